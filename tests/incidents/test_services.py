from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.choices import IncidentStatus, TimelineKind
from incidents.messages import INCIDENT_DONE_WORD
from incidents.models import Incident, IncidentRole, RoleAssignment, Severity
from portal.audit import verify_chain
from portal.errors import PreconditionFailed, TransitionNotAllowed
from portal.models import AuditEvent


def test_declaring_gives_a_yearly_reference_a_timeline_entry_and_an_audit_event(incident, responder):
    assert re.fullmatch(rf"INC-{timezone.now().year}-\d{{4,}}", incident.reference)
    assert incident.status == IncidentStatus.REPORTED
    assert incident.timeline.filter(kind=TimelineKind.DECLARED).count() == 1
    assert AuditEvent.objects.filter(
        action="incident.created", object_id=str(incident.pk), actor=responder
    ).exists()


def test_references_count_up_within_a_year(responder, sev2, outage):
    first = services.incident_create(actor=responder, title="a", severity=sev2, category=outage)
    second = services.incident_create(actor=responder, title="b", severity=sev2, category=outage)
    assert int(second.reference.rsplit("-", 1)[1]) == int(first.reference.rsplit("-", 1)[1]) + 1


def test_the_full_lifecycle_stamps_each_step(incident, responder):
    for action, status, stamp in [
        ("acknowledge", IncidentStatus.ACKNOWLEDGED, "acknowledged_at"),
        ("contain", IncidentStatus.CONTAINED, "contained_at"),
        ("resolve", IncidentStatus.RESOLVED, "resolved_at"),
        ("close", IncidentStatus.CLOSED, "closed_at"),
    ]:
        incident = services.incident_transition(incident=incident, action=action, actor=responder)
        assert incident.status == status
        assert getattr(incident, stamp) is not None
    assert incident.timeline.filter(kind=TimelineKind.STATUS_CHANGE).count() == 4
    assert (
        AuditEvent.objects.filter(
            object_id=str(incident.pk),
            action__in=["incident.acknowledge", "incident.contain", "incident.resolve", "incident.close"],
        ).count()
        == 4
    )
    assert verify_chain()[1] is None


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "contain"),
        ([], "resolve"),
        ([], "close"),
        ([], "reopen"),
        (["acknowledge", "contain"], "decline"),
        (["acknowledge"], "acknowledge"),
        (["acknowledge", "contain", "resolve"], "contain"),
    ],
)
def test_it_refuses_transitions_the_lifecycle_does_not_allow(incident, responder, path, refused):
    for action in path:
        incident = services.incident_transition(incident=incident, action=action, actor=responder)
    version = Incident.objects.get(pk=incident.pk).version
    with pytest.raises(TransitionNotAllowed, match=f"cannot be {INCIDENT_DONE_WORD[refused]}: it is"):
        services.incident_transition(incident=incident, action=refused, actor=responder, note="x")
    unchanged = Incident.objects.get(pk=incident.pk)
    assert unchanged.status == incident.status
    assert unchanged.version == version


def test_decline_needs_a_reason_and_stamps_declined_at(incident, responder):
    with pytest.raises(ValidationError):
        services.incident_decline(incident=incident, actor=responder)
    declined = services.incident_decline(
        incident=incident, actor=responder, note="False positive from the IDS."
    )
    assert declined.status == IncidentStatus.DECLINED
    assert declined.declined_at is not None


def test_reopen_returns_to_acknowledged_and_clears_the_resolution(incident, responder):
    for action in ["acknowledge", "contain", "resolve"]:
        incident = services.incident_transition(incident=incident, action=action, actor=responder)
    reopened = services.incident_reopen(incident=incident, actor=responder, note="Errors are back.")
    assert reopened.status == IncidentStatus.ACKNOWLEDGED
    assert reopened.resolved_at is None
    assert reopened.reopened_at is not None
    assert reopened.contained_at is not None


def test_a_transition_can_carry_the_time_it_really_happened(incident, responder):
    at = incident.detected_at + timedelta(minutes=7)
    acknowledged = services.incident_acknowledge(incident=incident, actor=responder, at=at)
    assert acknowledged.acknowledged_at == at
    assert acknowledged.timeline.get(kind=TimelineKind.STATUS_CHANGE).occurred_at == at


def test_transition_times_before_detection_or_in_the_future_are_refused(incident, responder):
    with pytest.raises(ValidationError):
        services.incident_acknowledge(
            incident=incident, actor=responder, at=incident.detected_at - timedelta(1)
        )
    with pytest.raises(ValidationError):
        services.incident_acknowledge(
            incident=incident, actor=responder, at=timezone.now() + timedelta(hours=1)
        )


def test_field_changes_write_timeline_entries(incident, responder):
    sev1 = Severity.objects.get(name="SEV1")
    updated = services.incident_update(
        incident=incident, actor=responder, data={"severity": sev1, "summary": "More."}
    )
    assert updated.version == incident.version + 1
    texts = list(updated.timeline.filter(kind=TimelineKind.FIELD_CHANGE).values_list("text", flat=True))
    assert "Severity changed from SEV2 to SEV1." in texts
    assert "Summary updated." in texts
    audit = AuditEvent.objects.filter(action="incident.updated").latest("sequence")
    assert audit.changes["severity"] == ["SEV2", "SEV1"]


def test_an_update_that_changes_nothing_writes_nothing(incident, responder):
    before = incident.timeline.count()
    services.incident_update(incident=incident, actor=responder, data={"title": incident.title})
    assert incident.timeline.count() == before
    assert Incident.objects.get(pk=incident.pk).version == incident.version


def test_a_stale_version_is_refused(incident, responder):
    services.incident_update(incident=incident, actor=responder, data={"title": "New"})
    with pytest.raises(PreconditionFailed):
        services.incident_update(
            incident=incident, actor=responder, data={"title": "Other"}, expected_version=incident.version
        )
    assert Incident.objects.get(pk=incident.pk).title == "New"


def test_time_order_is_enforced(incident, responder):
    with pytest.raises(ValidationError) as refused:
        services.incident_update(
            incident=incident, actor=responder, data={"aware_at": incident.detected_at - timedelta(hours=1)}
        )
    assert "aware_at" in refused.value.message_dict


def test_role_handover_keeps_the_history(incident, responder, teammate, outsider):
    commander = IncidentRole.objects.get(slug="incident-commander")
    services.incident_assign_role(incident=incident, role=commander, user=teammate, actor=responder)
    services.incident_assign_role(incident=incident, role=commander, user=outsider, actor=responder)
    history = RoleAssignment.objects.filter(incident=incident, role=commander).order_by("assigned_at")
    assert [a.user.username for a in history] == ["teammate", "outsider"]
    assert history[0].ended_at is not None
    assert history[1].ended_at is None
    assert incident.timeline.filter(kind=TimelineKind.ROLE_CHANGE, text__contains="handed over").exists()
    services.incident_assign_role(incident=incident, role=commander, user=None, actor=responder)
    assert not RoleAssignment.objects.filter(
        incident=incident, role=commander, ended_at__isnull=True
    ).exists()


def test_a_failing_step_leaves_nothing_behind(incident, responder, monkeypatch):
    before_events = AuditEvent.objects.count()
    before_timeline = incident.timeline.count()

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("incidents.services.incidents.audit_record", boom)
    with pytest.raises(RuntimeError):
        services.incident_acknowledge(incident=incident, actor=responder)
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.REPORTED
    assert incident.timeline.count() == before_timeline
    assert AuditEvent.objects.count() == before_events
