"""Escalation: every missed target escalates exactly once, with mail after the commit."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from incidents import services
from incidents.choices import EscalationKind, TimelineKind
from incidents.models import Category, Escalation, IncidentRole, Severity
from portal.models import AuditEvent
from tests.incidents.factories_plan import (
    EscalationContactFactory,
    EscalationRuleFactory,
    GuidelineFactory,
    PlaybookFactory,
    StakeholderTemplateFactory,
    TeamFactory,
    cover,
)


@pytest.fixture
def team(responder):
    team = TeamFactory(name="On-call")
    cover(team, "incident-commander", responder)
    EscalationContactFactory(team=team, name="CISO", email="ciso@example.com")
    EscalationContactFactory(team=team, name="Duty manager", email="", phone="+44 20 7946 0001")
    return team


def _late_incident(actor, team=None, *, minutes_ago: int = 20, **kwargs):
    """A SEV1 outage detected ``minutes_ago`` (SEV1: acknowledge within 15 min, resolve within 4 h)."""
    return services.incident_create(
        actor=actor,
        title=kwargs.pop("title", "Core banking down"),
        severity=Severity.objects.get(name="SEV1"),
        category=Category.objects.get(slug="system-outage"),
        detected_at=timezone.now() - timedelta(minutes=minutes_ago),
        team=team,
        **kwargs,
    )


def _run(django_capture_on_commit_callbacks) -> str:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_escalations", stdout=out)
    return out.getvalue()


def test_a_missed_acknowledge_target_escalates_once_to_contacts_and_commander(
    responder, team, django_capture_on_commit_callbacks
):
    incident = _late_incident(responder, team)
    output = _run(django_capture_on_commit_callbacks)
    assert "1 escalation(s) fired." in output
    escalation = Escalation.objects.get()
    assert escalation.kind == EscalationKind.ACKNOWLEDGE_TARGET
    assert escalation.recipients == ["ciso@example.com", responder.email]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ciso@example.com", responder.email]
    assert mail.outbox[0].subject.startswith(
        f"[ESCALATION] {incident.reference}: not acknowledged within 15 min"
    )
    event = incident.timeline.get(kind=TimelineKind.ESCALATION)
    assert "not acknowledged within 15 min (SEV1 target)" in event.text
    assert AuditEvent.objects.filter(action="incident.escalated", object_id=str(incident.pk)).count() == 1

    assert "0 escalation(s) fired." in _run(django_capture_on_commit_callbacks)
    assert Escalation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_nothing_escalates_before_the_target_or_after_the_step(
    responder, team, django_capture_on_commit_callbacks
):
    _late_incident(responder, team, minutes_ago=5, title="Fresh")
    acknowledged = _late_incident(responder, team, title="Handled")
    services.incident_acknowledge(incident=acknowledged, actor=responder)
    declined = _late_incident(responder, team, title="Not one")
    services.incident_decline(incident=declined, actor=responder, note="Duplicate.")
    _run(django_capture_on_commit_callbacks)
    assert Escalation.objects.count() == 0
    assert mail.outbox == []


def test_resolve_targets_and_playbook_rules_escalate_each_once(
    responder, team, django_capture_on_commit_callbacks
):
    playbook = PlaybookFactory(category=Category.objects.get(slug="system-outage"))
    EscalationRuleFactory(
        playbook=playbook, milestone="contained", after_minutes=60, notify_emails=["cto@example.com"]
    )
    incident = _late_incident(responder, team, minutes_ago=5 * 60)
    services.incident_acknowledge(incident=incident, actor=responder)
    _run(django_capture_on_commit_callbacks)
    kinds = sorted(Escalation.objects.values_list("kind", flat=True))
    assert kinds == [EscalationKind.PLAYBOOK_RULE, EscalationKind.RESOLVE_TARGET]
    rule_mail = next(m for m in mail.outbox if "not contained" in m.subject)
    assert "cto@example.com" in rule_mail.to
    _run(django_capture_on_commit_callbacks)
    assert Escalation.objects.filter(incident=incident).count() == 2


def test_a_missed_communication_deadline_is_flagged_unless_someone_was_told(
    responder, team, django_capture_on_commit_callbacks
):
    playbook = PlaybookFactory(category=Category.objects.get(slug="system-outage"))
    GuidelineFactory(playbook=playbook, audience="customers", within_minutes=10)
    GuidelineFactory(playbook=playbook, audience="executives", within_minutes=10)
    incident = _late_incident(responder, team)
    services.incident_acknowledge(incident=incident, actor=responder)
    template = StakeholderTemplateFactory(
        audience="customers", channel="status_page", body_template="{{ title }}"
    )
    services.communication_send(incident=incident, actor=responder, template=template)
    _run(django_capture_on_commit_callbacks)
    flagged = Escalation.objects.get()
    assert flagged.kind == EscalationKind.COMMUNICATION_OVERDUE
    assert flagged.detail.startswith("executives not told within 10 min")


def test_exercises_escalate_with_a_marked_subject(responder, team, django_capture_on_commit_callbacks):
    drill = _late_incident(responder, team, is_exercise=True)
    _run(django_capture_on_commit_callbacks)
    assert Escalation.objects.get().is_exercise is True
    assert mail.outbox[0].subject.startswith(f"[EXERCISE] [ESCALATION] {drill.reference}")
    assert mail.outbox[0].body.startswith("THIS IS AN EXERCISE.")


def test_restricted_titles_stay_out_of_the_mail(responder, team, django_capture_on_commit_callbacks):
    _late_incident(responder, team, is_restricted=True, title="Suspected fraud by the CFO")
    _run(django_capture_on_commit_callbacks)
    assert "CFO" not in mail.outbox[0].body
    assert "(restricted incident)" in mail.outbox[0].body


def test_without_anyone_to_tell_the_escalation_is_still_recorded(
    responder, django_capture_on_commit_callbacks
):
    incident = _late_incident(responder)
    _run(django_capture_on_commit_callbacks)
    assert Escalation.objects.get().recipients == []
    assert mail.outbox == []
    assert "Nobody to tell" in incident.timeline.get(kind=TimelineKind.ESCALATION).text


def test_the_commander_in_the_mail_is_the_current_one(
    responder, teammate, team, django_capture_on_commit_callbacks
):
    incident = _late_incident(responder, team)
    services.incident_assign_role(
        incident=incident,
        role=IncidentRole.objects.get(slug="incident-commander"),
        user=teammate,
        actor=responder,
    )
    _run(django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == ["ciso@example.com", teammate.email]


def test_a_dry_run_writes_and_sends_nothing(responder, team):
    _late_incident(responder, team)
    out = io.StringIO()
    call_command("run_escalations", "--dry-run", stdout=out)
    assert "1 escalation(s) due" in out.getvalue()
    assert Escalation.objects.count() == 0
    assert mail.outbox == []


def test_escalations_are_listed_on_the_incident(
    api_as, auditor, responder, team, django_capture_on_commit_callbacks
):
    incident = _late_incident(responder, team)
    _run(django_capture_on_commit_callbacks)
    listed = api_as(auditor).get(f"/api/v1/incidents/{incident.pk}/escalations/").json()["results"]
    assert [(e["kind"], e["target"]) for e in listed] == [("acknowledge_target", "acknowledge")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections to a server")
def test_two_overlapping_runs_escalate_each_target_exactly_once(tx_db, responder, team):
    incidents = [_late_incident(responder, team, title=f"Outage {n}", minutes_ago=5 * 60) for n in range(3)]
    # Both runs see the same overdue targets before either writes: only the constraint can keep them apart.
    due = services.escalations_due()
    assert len(due) == 6  # acknowledge and resolve targets of three incidents
    barrier = threading.Barrier(2)
    fired: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        try:
            barrier.wait(timeout=30)
            for item in due:
                escalation = services.escalation_fire(item)
                if escalation is not None:
                    fired[slot].append(escalation.pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(fired[0]) + len(fired[1]) == 6
    assert Escalation.objects.count() == 6
    assert len(mail.outbox) == 6
    for incident in incidents:
        assert incident.timeline.filter(kind=TimelineKind.ESCALATION).count() == 2
    # And a whole further run, now that everything is escalated, finds nothing.
    assert services.escalations_run() == []


def test_an_escalation_rolled_back_leaves_no_row_and_sends_no_mail(
    responder, team, django_capture_on_commit_callbacks
):
    from django.db import transaction

    _late_incident(responder, team)
    (item,) = services.escalations_due()

    class Abort(Exception):
        pass

    def fire_then_fail() -> None:
        with transaction.atomic():
            assert services.escalation_fire(item) is not None
            raise Abort

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort):
        fire_then_fail()
    assert callbacks == []
    assert mail.outbox == []
    assert Escalation.objects.count() == 0
    assert services.escalations_due() == [item]  # still due: the next run will escalate it
