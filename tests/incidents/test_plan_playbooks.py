"""Playbooks: the matching one applies on every declaration path; its tasks form the checklist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.choices import TaskStatus, TimelineKind
from incidents.models import Category, Incident, IncidentRole, IncidentTask, Playbook, Severity
from portal.models import AuditEvent
from tests.incidents.factories_plan import PlaybookFactory, PlaybookTaskFactory


@pytest.fixture
def outage_playbook(outage):
    playbook = PlaybookFactory(name="System outage", category=outage)
    PlaybookTaskFactory(playbook=playbook, order=10, title="Open the bridge", due_after_minutes=15)
    PlaybookTaskFactory(
        playbook=playbook,
        order=20,
        title="Post on the status page",
        role=IncidentRole.objects.get(slug="communications-lead"),
        due_after_minutes=60,
    )
    PlaybookTaskFactory(
        playbook=playbook, order=30, title="Write the timeline", role=None, due_after_minutes=None
    )
    return playbook


@pytest.fixture
def major_outage_playbook(outage):
    playbook = PlaybookFactory(
        name="Major outage", category=outage, minimum_severity=Severity.objects.get(name="SEV1")
    )
    PlaybookTaskFactory(playbook=playbook, order=10, title="Brief the executives")
    return playbook


def _titles(incident) -> list[str]:
    return list(IncidentTask.objects.filter(incident=incident).values_list("title", flat=True))


def test_declaring_through_the_service_creates_the_playbooks_tasks(responder, sev2, outage, outage_playbook):
    declared = timezone.now() - timedelta(minutes=10)
    incident = services.incident_create(
        actor=responder, title="Portal down", severity=sev2, category=outage, declared_at=declared
    )
    assert incident.playbook == outage_playbook
    tasks = list(IncidentTask.objects.filter(incident=incident))
    assert [t.title for t in tasks] == ["Open the bridge", "Post on the status page", "Write the timeline"]
    assert tasks[0].due_at == declared + timedelta(minutes=15)
    assert tasks[2].due_at is None
    assert all(t.status == TaskStatus.OPEN for t in tasks)
    event = incident.timeline.get(kind=TimelineKind.TASK)
    assert "Playbook System outage applies: 3 task(s)" in event.text
    assert AuditEvent.objects.filter(action="incident.playbook_applied", object_id=str(incident.pk)).exists()


def test_declaring_through_the_api_creates_the_playbooks_tasks(api_as, responder, outage_playbook):
    body = {
        "title": "Checkout failing",
        "severity": Severity.objects.get(name="SEV3").pk,
        "category": Category.objects.get(slug="system-outage").pk,
    }
    response = api_as(responder).post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["playbook"] == {"id": outage_playbook.pk, "name": "System outage"}
    tasks = api_as(responder).get(f"/api/v1/incidents/{response.json()['id']}/tasks/").json()["results"]
    assert [t["title"] for t in tasks] == ["Open the bridge", "Post on the status page", "Write the timeline"]
    assert tasks[1]["role"] == "communications-lead"
    assert tasks[0]["from_playbook"] is True
    assert tasks[0]["allowed_actions"] == ["complete", "skip"]


def test_declaring_in_the_admin_creates_the_playbooks_tasks(
    client, admin_user, outage_playbook, outage, sev2
):
    client.force_login(admin_user)
    form = {
        "title": "Declared in the admin",
        "summary": "",
        "impact": "",
        "severity": sev2.pk,
        "category": outage.pk,
        "detected_at_0": timezone.localtime().strftime("%Y-%m-%d"),
        "detected_at_1": "00:00:00",
        "team": "",
    }
    for prefix in ("role_assignments", "tasks", "timeline"):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = client.post("/admin/incidents/incident/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get(title="Declared in the admin")
    assert _titles(incident) == ["Open the bridge", "Post on the status page", "Write the timeline"]


def test_the_strictest_matching_playbook_wins(responder, outage, outage_playbook, major_outage_playbook):
    sev1, sev3 = Severity.objects.get(name="SEV1"), Severity.objects.get(name="SEV3")
    assert services.playbook_for(category=outage, severity=sev1) == major_outage_playbook
    assert services.playbook_for(category=outage, severity=sev3) == outage_playbook
    Playbook.objects.filter(pk=outage_playbook.pk).update(is_active=False)
    assert services.playbook_for(category=outage, severity=sev3) is None


def test_an_upgraded_incident_takes_on_the_stricter_playbook_and_keeps_its_tasks(
    responder, sev2, outage, outage_playbook, major_outage_playbook
):
    incident = services.incident_create(actor=responder, title="x", severity=sev2, category=outage)
    services.incident_update(
        incident=incident, actor=responder, data={"severity": Severity.objects.get(name="SEV1")}
    )
    incident.refresh_from_db()
    assert incident.playbook == major_outage_playbook
    assert _titles(incident) == [
        "Open the bridge",
        "Post on the status page",
        "Write the timeline",
        "Brief the executives",
    ]
    # Downgrading again finds the general playbook, whose tasks are already there: nothing doubles.
    services.incident_update(incident=incident, actor=responder, data={"severity": sev2})
    assert len(_titles(incident)) == 4


def test_no_playbook_means_no_tasks(responder, sev2, outage):
    incident = services.incident_create(actor=responder, title="x", severity=sev2, category=outage)
    assert incident.playbook is None
    assert _titles(incident) == []


def test_tasks_are_added_completed_skipped_and_reopened_on_the_timeline(api_as, responder, incident):
    client = api_as(responder)
    url = f"/api/v1/incidents/{incident.pk}/tasks/"
    due = (timezone.now() + timedelta(hours=1)).isoformat()
    created = client.post(
        url, {"title": "Call the vendor", "role": "technical-lead", "due_at": due}, format="json"
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["status"] == "open"
    assert task["from_playbook"] is False
    done = client.post(f"{url}{task['id']}/complete/", {"note": "Ticket 123 opened."}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert done.json()["finished_by"]["username"] == "responder"
    assert client.post(f"{url}{task['id']}/complete/").status_code == 409
    assert client.post(f"{url}{task['id']}/reopen/").json()["status"] == "open"
    assert client.post(f"{url}{task['id']}/skip/", {}, format="json").status_code == 400
    refused = client.post(f"{url}{task['id']}/skip/", {"reason": "  "}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()
    skipped = client.post(f"{url}{task['id']}/skip/", {"reason": "Vendor called us first."}, format="json")
    assert skipped.json()["status"] == "skipped"
    assert skipped.json()["note"] == "Vendor called us first."
    texts = list(incident.timeline.filter(kind=TimelineKind.TASK).values_list("text", flat=True))
    assert texts == [
        "Task added for the Technical Lead: Call the vendor.",
        "Task completed: Call the vendor. Note: Ticket 123 opened.",
        "Task reopened: Call the vendor.",
        "Task skipped: Call the vendor. Reason: Vendor called us first.",
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="incidents.incidenttask")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["task.created", "task.complete", "task.reopen", "task.skip"]
    assert [t["status"] for t in client.get(f"{url}?status=skipped").json()["results"]] == ["skipped"]
    assert client.get(f"{url}?status=open").json()["results"] == []


def test_the_task_list_shows_who_holds_the_owning_role_and_what_is_overdue(
    api_as, responder, teammate, sev2, outage, outage_playbook
):
    incident = services.incident_create(
        actor=responder,
        title="x",
        severity=sev2,
        category=outage,
        declared_at=timezone.now() - timedelta(minutes=20),
    )
    services.incident_assign_role(
        incident=incident,
        role=IncidentRole.objects.get(slug="incident-commander"),
        user=teammate,
        actor=responder,
    )
    tasks = api_as(responder).get(f"/api/v1/incidents/{incident.pk}/tasks/").json()["results"]
    assert tasks[0]["owner"]["username"] == "teammate"
    assert tasks[0]["overdue"] is True
    assert tasks[1]["owner"] is None  # nobody is communications lead yet
    assert tasks[1]["overdue"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x\x00"}, "title"),
        ({"title": "x", "role": "wizard"}, "role"),
        ({"title": "x", "due_at": "2026-01-01T10:00:00"}, "due_at"),
        ({"title": "x", "due_at": "tomorrow"}, "due_at"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_task_input_gets_400_naming_the_field(api_as, responder, incident, body, field):
    response = api_as(responder).post(f"/api/v1/incidents/{incident.pk}/tasks/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_task_of_another_incident_is_404(api_as, responder, incident, sev2, outage):
    other = services.incident_create(actor=responder, title="other", severity=sev2, category=outage)
    task = services.task_create(incident=other, actor=responder, title="Elsewhere")
    client = api_as(responder)
    assert client.post(f"/api/v1/incidents/{incident.pk}/tasks/{task.pk}/complete/").status_code == 404
    assert (
        client.post(f"/api/v1/incidents/{incident.pk}/tasks/99999999999999999999/complete/").status_code
        == 404
    )


def test_auditors_read_tasks_but_do_not_change_them(api_as, auditor, responder, incident):
    task = services.task_create(incident=incident, actor=responder, title="Check backups")
    client = api_as(auditor)
    assert client.get(f"/api/v1/incidents/{incident.pk}/tasks/").status_code == 200
    assert (
        client.post(f"/api/v1/incidents/{incident.pk}/tasks/", {"title": "x"}, format="json").status_code
        == 403
    )
    assert client.post(f"/api/v1/incidents/{incident.pk}/tasks/{task.pk}/complete/").status_code == 403


def test_administrators_write_playbooks_with_tasks_rules_and_guidelines(
    api_as, admin_user, responder, outage
):
    body = {
        "name": "Outage",
        "category": outage.pk,
        "minimum_severity": Severity.objects.get(name="SEV3").pk,
        "tasks": [
            {"title": "Open the bridge", "role": "incident-commander", "due_after_minutes": 10},
            {"title": "Tell support", "role": "communications-lead", "due_after_minutes": 30},
        ],
        "escalation_rules": [
            {"milestone": "contained", "after_minutes": 120, "notify_emails": ["cto@example.com"]}
        ],
        "communication_guidelines": [{"audience": "customers", "within_minutes": 60}],
    }
    created = api_as(admin_user).post("/api/v1/playbooks/", body, format="json")
    assert created.status_code == 201, created.content
    playbook = created.json()
    assert [t["order"] for t in playbook["tasks"]] == [10, 20]
    assert playbook["minimum_severity"] == "SEV3"
    first = playbook["tasks"][0]
    changed = api_as(admin_user).patch(
        f"/api/v1/playbooks/{playbook['id']}/",
        {"tasks": [{"id": first["id"], "title": "Open the bridge call", "order": 5}]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert [(t["id"], t["title"]) for t in changed.json()["tasks"]] == [(first["id"], "Open the bridge call")]
    assert len(changed.json()["escalation_rules"]) == 1
    assert api_as(responder).get(f"/api/v1/playbooks/{playbook['id']}/").status_code == 200
    assert (
        api_as(responder).post("/api/v1/playbooks/", body | {"name": "Mine"}, format="json").status_code
        == 403
    )
    duplicate = api_as(admin_user).post("/api/v1/playbooks/", body | {"name": "Twin"}, format="json")
    assert duplicate.status_code == 400


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tasks": [{"title": "x", "due_after_minutes": 10**12}]}, "tasks"),
        ({"tasks": [{"title": "x", "role": "nobody"}]}, "tasks"),
        ({"tasks": [{"id": 999999, "title": "x"}]}, "tasks"),
        ({"escalation_rules": [{"milestone": "celebrated", "after_minutes": 5}]}, "escalation_rules"),
        (
            {"escalation_rules": [{"milestone": "resolved", "after_minutes": 5, "notify_emails": ["nope"]}]},
            "escalation_rules",
        ),
        (
            {"communication_guidelines": [{"audience": "aliens", "within_minutes": 5}]},
            "communication_guidelines",
        ),
        ({"minimum_severity": 10**30}, "minimum_severity"),
    ],
)
def test_bad_playbooks_are_refused_naming_the_field(api_as, admin_user, outage, change, field):
    body = {
        "name": "Bad",
        "category": outage.pk,
        "minimum_severity": Severity.objects.get(name="SEV4").pk,
        **change,
    }
    response = api_as(admin_user).post("/api/v1/playbooks/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Playbook.objects.filter(name="Bad").exists()
