"""Vendor events out of order (issue 12): a late acknowledge corrects the acknowledged time a resolve
had to infer, so MTTA is right; a stamp that came from a real event is never moved by an older one.
Every case goes through real, signed webhook requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incidents import services as incident_services
from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident, TimelineEvent
from integrations.models import ExternalIncident
from portal.errors import PreconditionFailed
from portal.models import AuditEvent
from tests.integrations.conftest import load, with_event

PD_DETECTED = "2020-04-09T15:16:27Z"
PD_ACKNOWLEDGED = "2020-04-09T15:21:03.421Z"
PD_RESOLVED = "2020-04-09T15:45:10Z"


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def linked(integration, external_id: str) -> Incident:
    return ExternalIncident.objects.get(integration=integration, external_id=external_id).incident


def test_a_pagerduty_resolve_without_acknowledge_marks_the_skipped_steps_inferred(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    send(pagerduty, load("pagerduty_incident_resolved"))
    incident = linked(pagerduty, "PGR0VU2")
    assert incident.acknowledged_at == incident.contained_at == incident.resolved_at == dt(PD_RESOLVED)
    assert sorted(incident.inferred_stamps) == ["acknowledged_at", "contained_at"]


def test_a_late_pagerduty_acknowledge_corrects_the_acknowledged_time_the_resolve_inferred(
    send, pagerduty, api_as, admin_user
):
    send(pagerduty, load("pagerduty_incident_triggered"))
    send(pagerduty, load("pagerduty_incident_resolved"))
    late = send(pagerduty, load("pagerduty_incident_acknowledged"))
    assert late.status_code == 200, late.content
    assert late.json()["outcome"] == "applied"
    assert "acknowledged time corrected" in late.json()["detail"]
    incident = linked(pagerduty, "PGR0VU2")
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.acknowledged_at == dt(PD_ACKNOWLEDGED)
    assert incident.resolved_at == dt(PD_RESOLVED)
    assert incident.inferred_stamps == ["contained_at"]  # nobody reported the containment
    # MTTA is measured from detection to the real acknowledgement, as the API shows it.
    body = api_as(admin_user).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert dt(body["acknowledged_at"]) - dt(body["detected_at"]) == dt(PD_ACKNOWLEDGED) - dt(PD_DETECTED)
    correction = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.FIELD_CHANGE)
    assert correction.occurred_at == dt(PD_ACKNOWLEDGED)
    assert "reported by PagerDuty" in correction.text
    audit = AuditEvent.objects.get(action="incident.stamp_corrected", object_id=str(incident.pk))
    assert audit.actor_username == pagerduty.actor.username


def test_an_older_pagerduty_acknowledge_never_moves_a_corrected_stamp(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    send(pagerduty, load("pagerduty_incident_resolved"))
    send(pagerduty, load("pagerduty_incident_acknowledged"))
    older = with_event(
        load("pagerduty_incident_acknowledged"), event_id="E-OLDER", occurred_at="2020-04-09T15:18:00Z"
    )
    assert send(pagerduty, older).status_code == 200
    incident = linked(pagerduty, "PGR0VU2")
    assert incident.acknowledged_at == dt(PD_ACKNOWLEDGED)
    assert (
        "2020-04-09T15:18:00+00:00"
        in TimelineEvent.objects.get(incident=incident, kind=TimelineKind.NOTE).text
    )


def test_an_acknowledge_from_a_real_event_is_never_moved_by_an_older_one(send, pagerduty):
    for name in ("triggered", "acknowledged", "resolved"):
        send(pagerduty, load(f"pagerduty_incident_{name}"))
    assert linked(pagerduty, "PGR0VU2").inferred_stamps == ["contained_at"]
    older = with_event(
        load("pagerduty_incident_acknowledged"), event_id="E-OLDER", occurred_at="2020-04-09T15:18:00Z"
    )
    response = send(pagerduty, older)
    assert response.status_code == 200
    assert "Stale" in response.json()["detail"]
    incident = linked(pagerduty, "PGR0VU2")
    assert incident.acknowledged_at == dt(PD_ACKNOWLEDGED)
    assert not AuditEvent.objects.filter(action="incident.stamp_corrected").exists()


def test_a_late_generic_acknowledge_corrects_the_inferred_acknowledged_time(send, generic):
    send(generic, load("generic_triggered"), msg_id="msg_triggered")
    send(generic, load("generic_resolved"), msg_id="msg_resolved")
    incident = linked(generic, "MON-4411")
    assert incident.acknowledged_at == dt("2025-10-06T08:41:00Z")
    late = send(generic, load("generic_acknowledged"), msg_id="msg_acknowledged")
    assert late.status_code == 200, late.content
    incident = linked(generic, "MON-4411")
    assert incident.acknowledged_at == dt("2025-10-06T08:03:00Z")
    assert incident.resolved_at == dt("2025-10-06T08:41:00Z")
    assert "acknowledged_at" not in incident.inferred_stamps


def test_a_squadcast_acknowledge_time_given_by_the_resolve_is_real_not_inferred(send, squadcast):
    send(squadcast, load("squadcast_incident_triggered"))
    send(squadcast, load("squadcast_incident_resolved"))
    incident = Incident.objects.get()
    assert incident.inferred_stamps == ["contained_at"]


def test_the_service_refuses_to_correct_a_stamp_that_was_reported(send, pagerduty):
    for name in ("triggered", "acknowledged"):
        send(pagerduty, load(f"pagerduty_incident_{name}"))
    incident = linked(pagerduty, "PGR0VU2")
    with pytest.raises(PreconditionFailed):
        incident_services.incident_correct_inferred_stamp(
            incident=incident,
            stamp_field="acknowledged_at",
            at=dt("2020-04-09T15:18:00Z"),
            actor=pagerduty.actor,
            source="PagerDuty",
        )
    assert linked(pagerduty, "PGR0VU2").acknowledged_at == dt(PD_ACKNOWLEDGED)
