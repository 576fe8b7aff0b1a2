"""Post-mortem KPIs: closure rate, overdue count, median time from resolution to publication."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from incidents import services as incident_services
from incidents.models import IncidentRole
from postmortems import services
from postmortems.choices import ActionItemStatus
from tests.postmortems.factories import ActionItemFactory, make_publishable, resolve, start_postmortem


def _published_after(hours: float, *, author, reviewer, incident, responder):
    """A post-mortem published ``hours`` after its incident was resolved."""
    if incident.is_restricted:  # both need to be on the response team to see it
        for slug, user in [("technical-lead", author), ("communications-lead", reviewer)]:
            incident_services.incident_assign_role(
                incident=incident, role=IncidentRole.objects.get(slug=slug), user=user, actor=responder
            )
    incident = resolve(incident, responder)
    postmortem = start_postmortem(
        author, [incident], reviewers=[reviewer], at=incident.resolved_at + timedelta(minutes=10)
    )
    make_publishable(postmortem, author)
    services.postmortem_submit_for_review(
        postmortem=postmortem, actor=author, at=incident.resolved_at + timedelta(minutes=20)
    )
    services.postmortem_publish(
        postmortem=postmortem, actor=reviewer, at=incident.resolved_at + timedelta(hours=hours)
    )
    return postmortem


def _incident(responder, sev2, outage, *, days_ago: int, **extra):
    return incident_services.incident_create(
        actor=responder,
        title=f"Outage {days_ago}",
        severity=sev2,
        category=outage,
        detected_at=timezone.now() - timedelta(days=days_ago),
        **extra,
    )


def test_kpis_are_computed_over_what_the_reader_can_see(
    api_as, author, reviewer, responder, compliance_officer, outsider, sev2, outage
):
    people = {"author": author, "reviewer": reviewer, "responder": responder}
    for hours, days_ago in [(2, 10), (6, 9), (10, 8)]:
        _published_after(hours, incident=_incident(responder, sev2, outage, days_ago=days_ago), **people)
    restricted = _published_after(
        100, incident=_incident(responder, sev2, outage, days_ago=7, is_restricted=True), **people
    )
    exercise = _published_after(
        200, incident=_incident(responder, sev2, outage, days_ago=12, is_exercise=True), **people
    )
    today = timezone.localdate()
    draft = start_postmortem(author, [resolve(_incident(responder, sev2, outage, days_ago=5), responder)])
    ActionItemFactory(postmortem=draft, due_date=today - timedelta(days=1))  # overdue
    ActionItemFactory(
        postmortem=draft,
        due_date=today - timedelta(days=1),
        status=ActionItemStatus.DONE,
        kind="detect",
        closed_at=timezone.now(),
    )
    ActionItemFactory(
        postmortem=draft,
        due_date=today + timedelta(days=1),
        status=ActionItemStatus.WONT_DO,
        wont_do_reason="No.",
        closed_at=timezone.now(),
    )
    ActionItemFactory(postmortem=restricted, due_date=today - timedelta(days=5))
    ActionItemFactory(postmortem=exercise, due_date=today - timedelta(days=5))

    figures = api_as(compliance_officer).get("/api/v1/postmortem-kpis/").json()
    # 3 published public + 1 restricted: median of 2 h, 6 h, 10 h, 100 h = 8 h.
    assert figures["postmortems"]["median_seconds_resolution_to_publication"] == 8 * 3600
    assert figures["postmortems"]["published_with_resolution"] == 4
    assert figures["postmortems"]["draft"] == 1
    items = figures["action_items"]
    # 4 publishable items (one per published) + 3 on the draft + 1 on the restricted one.
    assert items["total"] == 8
    assert items["done"] == 1
    assert items["wont_do"] == 1
    assert items["overdue"] == 2
    assert items["closed_on_time"] == 0  # done after its due date
    assert items["closure_rate"] == round(2 / 8, 4)

    outsiders = api_as(outsider).get("/api/v1/postmortem-kpis/").json()
    assert outsiders["postmortems"]["median_seconds_resolution_to_publication"] == 6 * 3600
    assert outsiders["action_items"]["total"] == 6
    assert outsiders["action_items"]["overdue"] == 1

    with_exercises = api_as(compliance_officer).get("/api/v1/postmortem-kpis/?include_exercises=true").json()
    assert with_exercises["postmortems"]["published_with_resolution"] == 5
    assert with_exercises["action_items"]["total"] == 10
    assert (
        api_as(compliance_officer).get("/api/v1/postmortem-kpis/?include_exercises=perhaps").status_code
        == 400
    )


def test_kpis_without_any_data(api_as, author):
    figures = api_as(author).get("/api/v1/postmortem-kpis/").json()
    assert figures["action_items"]["closure_rate"] is None
    assert figures["postmortems"]["median_seconds_resolution_to_publication"] is None
