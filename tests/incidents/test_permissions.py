"""The access rules of incidents/permissions.py over the demo roles, and that the API and the
web UI give the same answer as the predicate: a button shows exactly when the API accepts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import permissions as rules
from incidents import services
from incidents.choices import IncidentAction, IncidentStatus, TaskAction, TaskStatus
from incidents.models import Category, Incident, IncidentTask, Severity

ROLES = ["admin_user", "compliance_officer", "responder", "author", "auditor", "nobody"]

# What each demo role may do, read off the role grants in the migrations (not off the predicates).
# Columns in the order of PREDICATES: view, restricted, declare, change, note, mark, roles, add evidence,
# download evidence, move tasks, communicate.
TRUTH = {
    "admin_user": (True, True, True, True, True, True, True, True, True, True, True),
    "compliance_officer": (True, True, False, False, False, True, False, False, True, False, True),
    "responder": (True, False, True, True, True, True, True, True, True, True, True),
    "author": (True, False, False, False, False, False, False, False, True, False, False),
    "auditor": (True, False, False, False, False, False, False, False, True, False, False),
    "nobody": (False,) * 11,
}
PREDICATES = (
    rules.can_view_incidents,
    rules.can_view_restricted,
    rules.can_declare_incident,
    rules.can_change_incident,
    rules.can_add_timeline_note,
    rules.can_mark_for_regulators,
    rules.can_assign_roles,
    rules.can_add_evidence,
    rules.can_download_evidence,
    rules.can_move_tasks,
    rules.can_add_communication,
)


@pytest.fixture
def task(incident, responder) -> IncidentTask:
    return services.task_create(incident=incident, actor=responder, title="Call the acquirer")


# --- the predicates themselves -------------------------------------------------------------------------


@pytest.mark.parametrize("person", ROLES)
def test_each_role_may_do_what_its_grants_say(request, db, person):
    user = request.getfixturevalue(person)
    answers = tuple(predicate(user) for predicate in PREDICATES)
    assert dict(zip([p.__name__ for p in PREDICATES], answers, strict=True)) == dict(
        zip([p.__name__ for p in PREDICATES], TRUTH[person], strict=True)
    )


@pytest.mark.parametrize(("person", "changes"), [(person, TRUTH[person][3]) for person in ROLES])
def test_a_lifecycle_step_is_offered_from_its_source_statuses_only(request, incident, person, changes):
    user = request.getfixturevalue(person)
    assert incident.status == IncidentStatus.REPORTED
    assert rules.can_transition_incident(user, incident, IncidentAction.ACKNOWLEDGE) is changes
    assert rules.can_transition_incident(user, incident, IncidentAction.DECLINE) is changes
    assert rules.can_transition_incident(user, incident, IncidentAction.RESOLVE) is False
    assert rules.can_transition_incident(user, incident, "explode") is False
    incident.status = IncidentStatus.RESOLVED
    assert rules.can_transition_incident(user, incident, IncidentAction.CLOSE) is changes
    assert rules.can_transition_incident(user, incident, IncidentAction.REOPEN) is changes
    assert rules.can_transition_incident(user, incident, IncidentAction.ACKNOWLEDGE) is False


@pytest.mark.parametrize(("person", "moves"), [(person, TRUTH[person][9]) for person in ROLES])
def test_a_task_step_is_offered_from_its_source_statuses_only(request, task, person, moves):
    user = request.getfixturevalue(person)
    assert rules.can_transition_task(user, task, TaskAction.COMPLETE) is moves
    assert rules.can_transition_task(user, task, TaskAction.SKIP) is moves
    assert rules.can_transition_task(user, task, TaskAction.REOPEN) is False
    assert rules.can_transition_task(user, task, "explode") is False
    task.status = TaskStatus.DONE
    assert rules.can_transition_task(user, task, TaskAction.COMPLETE) is False
    assert rules.can_transition_task(user, task, TaskAction.REOPEN) is moves


# --- the API and the pages ask the same predicates ------------------------------------------------------


def _page(client, user, url: str) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("person", ROLES)
def test_declaring_is_offered_exactly_when_the_api_accepts_it(request, db, client, api_as, person):
    user = request.getfixturevalue(person)
    allowed = rules.can_declare_incident(user)
    status, page = _page(client, user, "/incidents/")
    assert status == (200 if rules.can_view_incidents(user) else 403)
    assert ('href="/incidents/new/"' in page) is allowed
    assert client.get("/incidents/new/").status_code == (200 if allowed else 403)
    response = api_as(user).post(
        "/api/v1/incidents/",
        {
            "title": "Card payments failing",
            "summary": "Acquirer returns timeouts.",
            "severity": Severity.objects.get(name="SEV1").pk,
            "category": Category.objects.get(slug="system-outage").pk,
            "detected_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == (201 if allowed else 403), response.content
    assert Incident.objects.filter(title="Card payments failing").exists() is allowed


@pytest.mark.parametrize("person", ROLES)
def test_marking_for_regulators_is_offered_exactly_when_the_api_accepts_it(
    request, client, api_as, incident, person
):
    user = request.getfixturevalue(person)
    allowed = rules.can_mark_for_regulators(user)
    event = incident.timeline.order_by("pk").first()
    assert event is not None
    status, page = _page(client, user, f"/incidents/{incident.pk}/")
    assert status == (200 if rules.can_view_incidents(user) else 403)
    assert (f"/incidents/{incident.pk}/timeline/{event.pk}/for-regulators/" in page) is allowed
    web = client.post(f"/incidents/{incident.pk}/timeline/{event.pk}/for-regulators/", {"for_regulators": "true"})
    assert web.status_code == (302 if allowed else 403)
    response = api_as(user).patch(
        f"/api/v1/incidents/{incident.pk}/timeline/{event.pk}/", {"for_regulators": False}, format="json"
    )
    assert response.status_code == (200 if allowed else 403), response.content
    event.refresh_from_db()
    # Marked from the page, unmarked through the API: both went through, or neither did.
    assert event.for_regulators is False
    assert incident.timeline.filter(data__for_regulators=True).exists() is allowed


@pytest.mark.parametrize("person", ROLES)
def test_a_task_step_is_offered_exactly_when_the_api_accepts_it(request, client, api_as, task, person):
    user = request.getfixturevalue(person)
    allowed = rules.can_transition_task(user, task, TaskAction.COMPLETE)
    incident = task.incident
    status, page = _page(client, user, f"/incidents/{incident.pk}/")
    assert status == (200 if rules.can_view_incidents(user) else 403)
    assert (f"/incidents/{incident.pk}/tasks/{task.pk}/complete/" in page) is allowed
    assert (f"/incidents/{incident.pk}/tasks/{task.pk}/skip/" in page) is allowed
    response = api_as(user).post(
        f"/api/v1/incidents/{incident.pk}/tasks/{task.pk}/complete/", {"note": "Done."}, format="json"
    )
    assert response.status_code == (200 if allowed else 403), response.content
    task.refresh_from_db()
    assert (task.status == TaskStatus.DONE) is allowed
    # Once done, the page offers no step on it to anybody (reopening is the API's).
    if status == 200:
        page = client.get(f"/incidents/{incident.pk}/").content.decode()
        assert f"/incidents/{incident.pk}/tasks/{task.pk}/complete/" not in page


def test_the_web_task_step_answers_as_the_predicate(client, task, responder, compliance_officer):
    url = f"/incidents/{task.incident_id}/tasks/{task.pk}/complete/"
    assert not rules.can_transition_task(compliance_officer, task, TaskAction.COMPLETE)
    client.force_login(compliance_officer)
    assert client.post(url).status_code == 403
    assert rules.can_transition_task(responder, task, TaskAction.COMPLETE)
    client.force_login(responder)
    assert client.post(url).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


@pytest.mark.parametrize(
    "person",
    ["admin_user", "compliance_officer", "responder", "teammate", "outsider", "author", "auditor", "nobody"],
)
def test_a_restricted_incident_is_shown_exactly_to_whom_the_api_shows_it(
    request, client, api_as, restricted_incident, person
):
    user = request.getfixturevalue(person)
    involved = person in ("responder", "teammate")  # declared it; holds its Scribe role
    allowed = rules.can_view_incidents(user) and (rules.can_view_restricted(user) or involved)
    assert allowed is (person not in ("outsider", "author", "auditor", "nobody"))
    status, _ = _page(client, user, f"/incidents/{restricted_incident.pk}/")
    refused = 404 if rules.can_view_incidents(user) else 403
    assert status == (200 if allowed else refused)
    listed = client.get("/incidents/").content.decode()
    assert (restricted_incident.reference in listed) is allowed
    response = api_as(user).get(f"/api/v1/incidents/{restricted_incident.pk}/")
    assert response.status_code == (200 if allowed else refused), response.content


def test_the_timeline_re_rendered_after_a_note_offers_what_the_page_offers(client, incident, responder):
    client.force_login(responder)
    note = client.post(f"/incidents/{incident.pk}/notes/", {"text": "Rolled back."}, HTTP_HX_REQUEST="true")
    assert note.status_code == 200
    partial = note.content.decode()
    event = incident.timeline.get(text="Rolled back.")
    assert rules.can_mark_for_regulators(responder)
    assert rules.can_add_timeline_note(responder)
    assert f"/incidents/{incident.pk}/timeline/{event.pk}/for-regulators/" in partial
    assert f'action="/incidents/{incident.pk}/notes/"' in partial
