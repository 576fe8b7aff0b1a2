"""Squadcast, Opsgenie, ServiceNow and the generic format (each fixture names its source document)."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident, Service, TimelineEvent
from integrations import services, signing
from integrations.models import ExternalIncident, InboundDelivery
from tests.integrations.conftest import SHARED_SECRET, load


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def only_incident() -> Incident:
    return Incident.objects.get()


# --- Squadcast -----------------------------------------------------------------------------------------


def test_squadcast_trigger_acknowledge_resolve_keep_squadcasts_times(send, squadcast):
    for name in ("triggered", "acknowledged", "resolved"):
        response = send(squadcast, load(f"squadcast_incident_{name}"))
        assert response.status_code == 200, response.content
    incident = only_incident()
    assert incident.title == "test incident"
    assert incident.summary == "test"
    assert incident.detected_at == dt("2022-10-06T05:26:34.370Z")
    # The action time of Squadcast's own timeline, a few ms before the webhook's event time.
    assert incident.acknowledged_at == dt("2022-10-06T05:37:01.339Z")
    assert incident.resolved_at == dt("2022-10-06T05:37:35.998872Z")
    assert incident.status == IncidentStatus.RESOLVED
    assert ExternalIncident.objects.get().url == "https://app.squadcast.com/incident/633e670ae998089239c9f293"


def test_a_squadcast_resolve_without_its_acknowledge_uses_the_acknowledge_time_of_its_timeline(
    send, squadcast
):
    send(squadcast, load("squadcast_incident_triggered"))
    send(squadcast, load("squadcast_incident_resolved"))
    incident = only_incident()
    assert incident.acknowledged_at == dt("2022-10-06T05:37:01.339Z")
    assert incident.resolved_at == dt("2022-10-06T05:37:35.998872Z")


def test_squadcast_notes_become_timeline_notes(send, squadcast):
    send(squadcast, load("squadcast_incident_triggered"))
    assert send(squadcast, load("squadcast_incident_notes_created")).json()["outcome"] == "applied"
    note = TimelineEvent.objects.get(kind=TimelineKind.NOTE)
    assert note.text == "[Squadcast] Yash Jain: test note"
    assert note.occurred_at == dt("2022-10-06T05:30:52.695310Z")


def test_squadcast_is_authenticated_by_its_shared_secret_header(send, squadcast):
    payload = load("squadcast_incident_triggered")
    assert send(squadcast, payload, headers={"X-Webhook-Secret": "wrong-" + SHARED_SECRET}).status_code == 401
    assert send(squadcast, payload, headers={}).status_code == 401
    assert send(squadcast, payload, headers={"Authorization": f"Bearer {SHARED_SECRET}"}).status_code == 200


def test_a_squadcast_v1_payload_is_refused_as_malformed(send, squadcast):
    payload = load("squadcast_incident_triggered")
    payload["version"] = "v1"
    assert send(squadcast, payload).status_code == 400


# --- Opsgenie ------------------------------------------------------------------------------------------


def test_opsgenie_alert_actions_map_to_the_lifecycle_with_their_times(send, opsgenie):
    Service.objects.create(name="Payments API")
    for name in ("create", "acknowledge", "addnote", "close"):
        response = send(opsgenie, load(f"opsgenie_{name}"))
        assert response.status_code == 200, response.content
        assert response.json()["outcome"] == "applied"
    incident = only_incident()
    assert incident.title == "Test alert from monitoring"
    assert incident.severity.name == "SEV2"
    assert [s.name for s in incident.services.all()] == ["Payments API"]
    assert incident.detected_at == datetime.fromtimestamp(1696570000, tz=UTC)
    assert incident.acknowledged_at == datetime.fromtimestamp(1696570300, tz=UTC)
    assert incident.resolved_at == datetime.fromtimestamp(1696571200, tz=UTC)
    assert TimelineEvent.objects.get(kind=TimelineKind.NOTE).text.endswith("Rolled back release 2023.10.6.")
    assert ExternalIncident.objects.get().number == "#454"


def test_an_opsgenie_redelivery_is_recognised_by_its_body(send, opsgenie):
    payload = load("opsgenie_create")
    send(opsgenie, payload)
    assert send(opsgenie, payload).json()["outcome"] == "duplicate"
    assert InboundDelivery.objects.filter(outcome="applied").get().event_id.startswith("sha256:")


def test_opsgenie_delete_is_stored_and_ignored(send, opsgenie):
    payload = load("opsgenie_create")
    payload["action"] = "Delete"
    assert send(opsgenie, payload).json()["outcome"] == "ignored"
    assert not Incident.objects.exists()


# --- ServiceNow ----------------------------------------------------------------------------------------


def test_servicenow_snapshots_move_the_incident_by_state(send, servicenow):
    assert send(servicenow, load("servicenow_new")).json()["outcome"] == "applied"
    incident = only_incident()
    assert incident.title == "Email gateway rejects inbound mail"
    assert incident.detected_at == dt("2025-10-06T08:00:00Z")
    assert incident.severity.name == "SEV2"
    send(servicenow, load("servicenow_in_progress"))
    send(servicenow, load("servicenow_resolved"))
    incident.refresh_from_db()
    assert incident.acknowledged_at == dt("2025-10-06T08:12:40Z")
    assert incident.resolved_at == dt("2025-10-06T09:04:30Z")
    assert incident.status == IncidentStatus.RESOLVED
    assert (
        TimelineEvent.objects.get(kind=TimelineKind.NOTE).text == "[ServiceNow] Investigating the MX relay."
    )
    assert ExternalIncident.objects.get().number == "INC0010023"


def test_a_servicenow_update_is_identified_by_sys_id_and_mod_count(send, servicenow):
    send(servicenow, load("servicenow_new"))
    assert send(servicenow, load("servicenow_new")).json()["outcome"] == "duplicate"
    assert InboundDelivery.objects.filter(outcome="applied").get().event_id == (
        "9d385017c611228701d22104cc95c371:0"
    )


def test_a_servicenow_cancellation_declines_the_incident(send, servicenow):
    send(servicenow, load("servicenow_new"))
    send(servicenow, load("servicenow_canceled"))
    incident = only_incident()
    assert incident.status == IncidentStatus.DECLINED
    assert incident.declined_at == dt("2025-10-06T08:20:00Z")


def test_a_servicenow_priority_change_in_a_snapshot_changes_the_severity(send, servicenow):
    send(servicenow, load("servicenow_new"))
    payload = load("servicenow_in_progress")
    payload["result"]["priority"] = "1"
    send(servicenow, payload)
    assert only_incident().severity.name == "SEV1"


# --- generic -------------------------------------------------------------------------------------------


def _generic_headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    return signing.standard_headers([secret], msg_id, timestamp or int(time.time()), body)


def test_generic_events_signed_with_standard_webhooks_are_applied(send, generic):
    Service.objects.create(name="Payments API")
    for name in ("triggered", "acknowledged", "note", "resolved"):
        response = send(generic, load(f"generic_{name}"), msg_id=f"msg_{name}")
        assert response.status_code == 200, response.content
    incident = only_incident()
    assert incident.severity.name == "SEV1"
    assert incident.detected_at == dt("2025-10-06T07:59:10Z")
    assert incident.acknowledged_at == dt("2025-10-06T08:03:00Z")
    assert incident.resolved_at == dt("2025-10-06T08:41:00Z")
    assert [s.name for s in incident.services.all()] == ["Payments API"]
    assert InboundDelivery.objects.filter(outcome="applied").count() == 4


def test_generic_signature_checks_timestamp_secret_and_body(send, generic):
    body = json.dumps(load("generic_triggered")).encode()
    secret = generic.issued_secret
    stale = _generic_headers(secret, "msg_1", body, timestamp=int(time.time()) - 3600)
    assert send(generic, body, headers=stale).status_code == 401
    other = _generic_headers(signing.generate_standard_secret(), "msg_1", body)
    assert send(generic, body, headers=other).status_code == 401
    good = _generic_headers(secret, "msg_1", body)
    assert send(generic, body.replace(b"5%", b"9%"), headers=good).status_code == 401
    unsigned = {k: v for k, v in good.items() if k != "webhook-signature"}
    assert send(generic, body, headers=unsigned).status_code == 401
    assert send(generic, body, headers=good).status_code == 200


def test_generic_accepts_any_of_several_signatures(send, generic):
    body = json.dumps(load("generic_triggered")).encode()
    headers = signing.standard_headers(
        [signing.generate_standard_secret(), generic.issued_secret], "msg_rot", int(time.time()), body
    )
    assert " " in headers["webhook-signature"]
    assert send(generic, body, headers=headers).status_code == 200


def test_generic_redelivery_with_the_same_webhook_id_is_a_no_op(send, generic):
    payload = load("generic_triggered")
    send(generic, payload, msg_id="msg_same")
    assert send(generic, payload, msg_id="msg_same").json()["outcome"] == "duplicate"
    assert Incident.objects.count() == 1


def test_generic_secrets_are_standard_webhooks_secrets(admin_user, generic):
    assert generic.issued_secret.startswith("whsec_")
    assert len(signing.standard_secret_key(generic.issued_secret)) == 32
    with pytest.raises(ValidationError):
        services.integration_rotate_secret(
            integration=generic, actor=admin_user, secret="not-a-whsec-secret-at-all"
        )


def test_the_same_event_id_in_two_integrations_is_two_events(send, generic, admin_user):
    from tests.integrations.conftest import _make

    other = _make(admin_user, "generic", "Second monitoring")
    payload = load("generic_triggered")
    send(generic, payload, msg_id="msg_shared")
    assert send(other, payload, msg_id="msg_shared").json()["outcome"] == "applied"
    assert Incident.objects.count() == 2


def test_each_body_is_stored_with_its_digest(send, generic):
    body = json.dumps(load("generic_triggered")).encode()
    send(generic, body, msg_id="msg_digest")
    delivery = InboundDelivery.objects.get()
    assert delivery.body_sha256 == hashlib.sha256(body).hexdigest()
    assert delivery.body == body.decode()
    assert delivery.body_size == len(body)
