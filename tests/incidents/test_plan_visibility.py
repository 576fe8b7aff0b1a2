"""The new routes under a restricted incident are 404 for outsiders; the new lists have query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Category, Escalation, IncidentRole, Severity
from tests.factories import IncidentFactory, UserFactory
from tests.incidents.factories_plan import (
    EscalationContactFactory,
    EscalationRuleFactory,
    ExerciseFactory,
    GuidelineFactory,
    PlaybookFactory,
    PlaybookTaskFactory,
    StakeholderTemplateFactory,
    TeamFactory,
    cover,
)


@pytest.fixture
def plan_on_restricted(restricted_incident, responder):
    template = StakeholderTemplateFactory()
    task = services.task_create(incident=restricted_incident, actor=responder, title="Interview HR")
    services.communication_send(
        incident=restricted_incident, actor=responder, template=template, recipients=["hr@example.com"]
    )
    team = TeamFactory(name="Insider team")
    return {"template": template, "task": task, "team": team}


def test_outsiders_get_404_on_every_new_route(
    api_as, outsider, auditor, author, restricted_incident, plan_on_restricted
):
    base = f"/api/v1/incidents/{restricted_incident.pk}"
    task, template, team = (
        plan_on_restricted["task"],
        plan_on_restricted["template"],
        plan_on_restricted["team"],
    )
    for user in (outsider, auditor, author):
        client = api_as(user)
        for url in (f"{base}/tasks/", f"{base}/communications/", f"{base}/escalations/"):
            assert client.get(url).status_code == 404, (user.username, url)
        for url, body in [
            (f"{base}/tasks/", {"title": "x"}),
            (f"{base}/tasks/{task.pk}/complete/", {}),
            (f"{base}/tasks/{task.pk}/skip/", {"reason": "x"}),
            (f"{base}/communications/", {"template": template.pk, "recipients": ["a@example.com"]}),
            (f"{base}/team/", {"team": team.pk}),
        ]:
            assert client.post(url, body, format="json").status_code in (403, 404), (user.username, url)
        preview = client.post(
            f"/api/v1/stakeholder-templates/{template.pk}/preview/",
            {"incident": restricted_incident.pk},
            format="json",
        )
        assert preview.status_code == 404


def test_outsiders_with_write_rights_get_404_not_403(
    api_as, outsider, restricted_incident, plan_on_restricted
):
    """A responder who is not on the team cannot even learn that the incident exists."""
    base = f"/api/v1/incidents/{restricted_incident.pk}"
    client = api_as(outsider)
    task = plan_on_restricted["task"]
    assert client.post(f"{base}/tasks/", {"title": "x"}, format="json").status_code == 404
    assert client.post(f"{base}/tasks/{task.pk}/complete/").status_code == 404
    assert (
        client.post(
            f"{base}/communications/",
            {"template": plan_on_restricted["template"].pk, "recipients": ["a@example.com"]},
            format="json",
        ).status_code
        == 404
    )


def test_the_team_and_compliance_see_the_new_routes(
    api_as, responder, teammate, compliance_officer, admin_user, restricted_incident, plan_on_restricted
):
    base = f"/api/v1/incidents/{restricted_incident.pk}"
    for user in (responder, teammate, compliance_officer, admin_user):
        client = api_as(user)
        assert client.get(f"{base}/tasks/").json()["count"] == 1
        assert client.get(f"{base}/communications/").json()["count"] == 1
        assert client.get(f"{base}/escalations/").status_code == 200


def test_a_user_without_a_role_sees_none_of_the_plan(api_as, nobody, incident):
    client = api_as(nobody)
    for url in [
        "/api/v1/teams/",
        "/api/v1/playbooks/",
        "/api/v1/stakeholder-templates/",
        "/api/v1/exercises/",
        "/api/v1/exercises/report/",
        f"/api/v1/incidents/{incident.pk}/tasks/",
    ]:
        assert client.get(url).status_code == 403, url


# --- query budgets: the count must not grow with the page size ------------------------------------------


def _budget(client, url: str, total: int) -> int:
    def count(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}{'&' if '?' in url else '?'}page_size={size}")
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == min(size, total)
        return len(captured)

    count(5)  # warm the per-request permission lookups alike for both measurements
    small, large = count(5), count(50)
    assert small == large, (url, small, large)
    return small


def test_the_team_list_has_a_fixed_query_budget(api_as, auditor):
    for n in range(12):
        team = TeamFactory(name=f"Regional team {n}")
        cover(team, "incident-commander", UserFactory(), UserFactory())
        cover(team, "scribe", UserFactory())
        EscalationContactFactory(team=team)
    assert _budget(api_as(auditor), "/api/v1/teams/", 12) <= 10


def test_the_playbook_list_has_a_fixed_query_budget(api_as, auditor):
    categories = list(Category.objects.all())
    severities = list(Severity.objects.all())
    for n in range(12):
        playbook = PlaybookFactory(
            category=categories[n % len(categories)], minimum_severity=severities[n // len(categories)]
        )
        PlaybookTaskFactory.create_batch(3, playbook=playbook)
        EscalationRuleFactory(playbook=playbook)
        GuidelineFactory(playbook=playbook, template=StakeholderTemplateFactory())
    assert _budget(api_as(auditor), "/api/v1/playbooks/", 12) <= 10


def test_the_template_list_has_a_fixed_query_budget(api_as, auditor):
    for _ in range(12):
        template = StakeholderTemplateFactory()
        template.categories.set(Category.objects.all()[:2])
        template.severities.set(Severity.objects.all()[:2])
    assert _budget(api_as(auditor), "/api/v1/stakeholder-templates/", 12) <= 10


def test_the_exercise_list_has_a_fixed_query_budget(api_as, auditor, responder, sev2, outage):
    for n in range(12):
        drill = services.incident_create(
            actor=responder, title=f"Drill {n}", severity=sev2, category=outage, is_exercise=True
        )
        exercise = ExerciseFactory(
            incident=drill, team=TeamFactory(), playbook=PlaybookFactory(is_active=False)
        )
        exercise.participants.set([UserFactory(), UserFactory()])
    assert _budget(api_as(auditor), "/api/v1/exercises/", 12) <= 10


def test_the_incident_lists_of_the_plan_have_fixed_query_budgets(
    api_as, responder, incident, django_capture_on_commit_callbacks
):
    template = StakeholderTemplateFactory(channel="letter", body_template="{{ title }}")
    roles = list(IncidentRole.objects.all())
    for n in range(12):
        services.task_create(
            incident=incident, actor=responder, title=f"Task {n}", role=roles[n % len(roles)]
        )
        services.communication_send(
            incident=incident, actor=responder, template=template, recipients=[f"Street {n}"]
        )
    for n in range(12):
        Escalation.objects.create(
            incident=incident, kind="playbook_rule", target=f"rule:{n}", due_at=timezone.now(), detail="late"
        )
    client = api_as(responder)
    base = f"/api/v1/incidents/{incident.pk}"
    assert _budget(client, f"{base}/tasks/", 12) <= 10
    assert _budget(client, f"{base}/communications/", 12) <= 10
    assert _budget(client, f"{base}/escalations/", 12) <= 10


def test_the_incident_list_budget_holds_with_teams_and_playbooks(api_as, compliance_officer):
    team, playbook = TeamFactory(), PlaybookFactory()
    for _ in range(50):
        IncidentFactory(team=team, playbook=playbook, detected_at=timezone.now() - timedelta(hours=1))
    assert _budget(api_as(compliance_officer), "/api/v1/incidents/", 50) <= 8


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/incidents/{pk}/tasks/?status=forgotten", "status"),
        ("/api/v1/incidents/{pk}/communications/?audience=aliens", "audience"),
        ("/api/v1/incidents/{pk}/communications/?channel=pigeon", "channel"),
        ("/api/v1/stakeholder-templates/?channel=pigeon", "channel"),
        ("/api/v1/stakeholder-templates/?ordering=body_template", "ordering"),
        ("/api/v1/exercises/?exercise_type=picnic", "exercise_type"),
        ("/api/v1/exercises/?scheduled_after=2026-01-01T00:00:00", "scheduled_after"),
        ("/api/v1/exercises/?conducted=maybe", "conducted"),
        ("/api/v1/teams/?is_active=perhaps", "is_active"),
        ("/api/v1/playbooks/?ordering=password", "ordering"),
    ],
)
def test_bad_filters_get_400_naming_the_parameter(api_as, compliance_officer, incident, url, field):
    response = api_as(compliance_officer).get(url.format(pk=incident.pk))
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_huge_ids_on_the_new_routes_are_404_not_500(api_as, admin_user):
    client = api_as(admin_user)
    for url in [
        "/api/v1/teams/99999999999999999999999/",
        "/api/v1/playbooks/999999999999999999/",
        "/api/v1/stakeholder-templates/99999999999999999999999/",
        "/api/v1/exercises/999999999999999999/",
        "/api/v1/incidents/999999999999999999/tasks/",
    ]:
        assert client.get(url).status_code == 404, url
