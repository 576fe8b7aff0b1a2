"""The demo's response plan loads through the services, and only once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.choices import Audience, DeliveryStatus
from incidents.demo_plan import TEAMS, seed_response_plan
from incidents.models import (
    Category,
    Communication,
    Exercise,
    IncidentTask,
    Playbook,
    Severity,
    StakeholderTemplate,
    Team,
)
from portal import roles
from portal.audit import verify_chain
from tests.factories import UserFactory

MODELS = (Team, Playbook, StakeholderTemplate, Communication, Exercise, IncidentTask)


@pytest.fixture
def demo_incidents(db):
    """A little of what seed_demo makes: its users, a finished breach, an open outage and a drill."""
    UserFactory(username="admin", role=roles.ADMINISTRATOR, is_superuser=True, is_staff=True)
    for name in {user for team in TEAMS for user in team["members"]} - {"admin"}:
        UserFactory(username=name, role=roles.INCIDENT_RESPONDER)
    reporter = UserFactory(username="reporter", role=roles.INCIDENT_RESPONDER)
    sev2 = Severity.objects.get(name="SEV2")
    declared = timezone.now() - timedelta(days=3)
    breach = services.incident_create(
        actor=reporter,
        title="Records exposed",
        severity=sev2,
        category=Category.objects.get(slug="data-breach"),
        detected_at=declared,
        declared_at=declared,
    )
    for action in ("acknowledge", "contain", "resolve"):
        services.incident_transition(incident=breach, action=action, actor=reporter)
    open_outage = services.incident_create(
        actor=reporter,
        title="Portal down",
        severity=sev2,
        category=Category.objects.get(slug="system-outage"),
    )
    drill = services.incident_create(
        actor=reporter,
        title="Tabletop: ransomware on the ledger",
        severity=Severity.objects.get(name="SEV1"),
        category=Category.objects.get(slug="ransomware"),
        is_exercise=True,
    )
    return {"breach": breach, "open": open_outage, "drill": drill}


def test_the_demo_plan_is_complete_and_loads_only_once(demo_incidents):
    out = io.StringIO()
    seed_response_plan(stdout=out)
    assert "3 teams, 7 playbooks, 11 stakeholder templates" in out.getvalue()
    assert set(Playbook.objects.values_list("category__slug", flat=True)) >= {
        "data-breach",
        "ransomware",
        "phishing",
        "system-outage",
        "third-party-outage",
        "natural-disaster",
    }
    assert set(StakeholderTemplate.objects.values_list("audience", flat=True)) == set(Audience.values)
    csirt = Team.objects.get(name="CSIRT")
    assert csirt.role_covers.count() == 5
    assert csirt.escalation_contacts.count() == 2
    breach_messages = Communication.objects.filter(incident=demo_incidents["breach"])
    assert breach_messages.count() == 2
    assert set(breach_messages.values_list("delivery_status", flat=True)) == {DeliveryStatus.RECORDED}
    demo_incidents["breach"].refresh_from_db()
    assert all(m.sent_at <= demo_incidents["breach"].resolved_at for m in breach_messages)
    outage = demo_incidents["open"]
    outage.refresh_from_db()
    assert outage.playbook.name == "System outage"
    assert outage.team.name == "IT Operations"
    assert IncidentTask.objects.filter(incident=outage).count() == 6
    drill_record = Exercise.objects.get(incident=demo_incidents["drill"])
    assert drill_record.exercise_type == "tabletop"
    assert drill_record.findings
    assert Exercise.objects.filter(conducted_at__isnull=True).count() == 3  # scheduled ahead
    counts = [model.objects.count() for model in MODELS]

    again = io.StringIO()
    seed_response_plan(stdout=again)
    assert "nothing new was created" in again.getvalue()
    assert counts == [model.objects.count() for model in MODELS]
    assert verify_chain()[1] is None


def test_the_demo_plan_needs_an_administrator(db):
    out = io.StringIO()
    seed_response_plan(stdout=out)
    assert "skipped" in out.getvalue()
    assert not Team.objects.exists()
