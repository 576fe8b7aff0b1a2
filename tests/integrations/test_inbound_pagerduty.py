"""PagerDuty v3 webhooks end to end (fixtures: PagerDuty developer docs, Webhooks > Overview
and Verifying Signatures; see each fixture's $comment)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident, Service, Severity, TimelineEvent
from integrations import services
from integrations.models import ExternalIncident, InboundDelivery, Integration
from portal.models import AuditEvent
from tests.integrations.conftest import PAGERDUTY_SECRET, load, pagerduty_signature, webhook_url, with_event


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def linked_incident(integration) -> Incident:
    return ExternalIncident.objects.get(integration=integration, external_id="PGR0VU2").incident


# --- signatures ----------------------------------------------------------------------------------------


def test_a_trigger_with_a_valid_signature_creates_the_incident_with_the_vendors_times(send, pagerduty):
    Service.objects.create(name="API Service")
    response = send(pagerduty, load("pagerduty_incident_triggered"))
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "applied"
    incident = linked_incident(pagerduty)
    assert incident.title == "A little bump in the road"
    assert incident.detected_at == dt("2020-04-09T15:16:27Z")
    assert incident.created_at == dt("2020-04-09T15:16:27Z")
    assert incident.status == IncidentStatus.REPORTED
    assert incident.severity.name == "SEV3"  # priority P3 wins over urgency "high"
    assert incident.category.slug == "system-outage"
    assert [s.name for s in incident.services.all()] == ["API Service"]
    link = ExternalIncident.objects.get(incident=incident)
    assert link.url == "https://acme.pagerduty.com/incidents/PGR0VU2"
    assert link.number == "#2"


def test_the_incident_is_created_in_the_integrations_name(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    incident = linked_incident(pagerduty)
    bot = pagerduty.actor
    assert incident.created_by == bot
    assert not bot.is_active
    assert not bot.has_usable_password()
    created = AuditEvent.objects.get(action="incident.created", object_id=str(incident.pk))
    assert created.actor_username == bot.username
    linked = TimelineEvent.objects.get(incident=incident, kind=TimelineKind.INTEGRATION)
    assert linked.author == bot
    assert "PagerDuty incident #2" in linked.text


def test_a_wrong_signature_is_refused_with_401_and_stored_unverified(send, pagerduty):
    response = send(
        pagerduty,
        load("pagerduty_incident_triggered"),
        headers={"X-PagerDuty-Signature": "v1=" + "0" * 64},
    )
    assert response.status_code == 401
    delivery = InboundDelivery.objects.get(integration=pagerduty)
    assert delivery.outcome == "rejected_signature"
    assert delivery.verified is False
    assert delivery.event_id == ""
    assert not Incident.objects.exists()


def test_a_missing_signature_is_refused_with_401(send, pagerduty):
    assert send(pagerduty, load("pagerduty_incident_triggered"), headers={}).status_code == 401
    assert not Incident.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(send, pagerduty):
    body = json.dumps(load("pagerduty_incident_triggered")).encode()
    header = pagerduty_signature(body, "another-secret-entirely-0123456789")
    assert send(pagerduty, body, headers={"X-PagerDuty-Signature": header}).status_code == 401


def test_any_of_several_signatures_sent_during_pagerdutys_rotation_is_enough(send, pagerduty):
    body = json.dumps(load("pagerduty_incident_triggered")).encode()
    header = pagerduty_signature(body, "the-new-secret-pagerduty-will-use-next", PAGERDUTY_SECRET)
    assert "," in header
    assert send(pagerduty, body, headers={"X-PagerDuty-Signature": header}).status_code == 200


def test_after_rotation_the_previous_secret_works_for_a_grace_period_only(send, pagerduty, admin_user):
    new_secret = "the-second-pagerduty-secret-0123456789"
    services.integration_rotate_secret(integration=pagerduty, actor=admin_user, secret=new_secret)
    old = load("pagerduty_incident_triggered")
    assert send(pagerduty, old, secret=PAGERDUTY_SECRET).status_code == 200
    pagerduty.refresh_from_db()
    pagerduty.previous_secret_valid_until = timezone.now() - timedelta(seconds=1)
    pagerduty.save(update_fields=["previous_secret_valid_until"])
    acknowledged = load("pagerduty_incident_acknowledged")
    assert send(pagerduty, acknowledged, secret=PAGERDUTY_SECRET).status_code == 401
    assert send(pagerduty, acknowledged, secret=new_secret).status_code == 200


def test_a_tampered_body_fails_verification(send, pagerduty):
    body = json.dumps(load("pagerduty_incident_triggered")).encode()
    header = pagerduty_signature(body, PAGERDUTY_SECRET)
    tampered = body.replace(b"A little bump", b"A large crater")
    assert send(pagerduty, tampered, headers={"X-PagerDuty-Signature": header}).status_code == 401


# --- refusals ------------------------------------------------------------------------------------------


def test_an_unknown_integration_is_404(client, db):
    response = client.post(
        "/api/v1/integrations/999999/webhook/", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert (
        client.post(
            "/api/v1/integrations/99999999999999999999/webhook/", data=b"{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert not InboundDelivery.objects.exists()


def test_an_inactive_integration_answers_403_and_keeps_the_delivery(send, pagerduty, admin_user):
    services.integration_update(integration=pagerduty, actor=admin_user, data={"is_active": False})
    response = send(pagerduty, load("pagerduty_incident_triggered"))
    assert response.status_code == 403
    assert InboundDelivery.objects.get().outcome == "rejected_inactive"
    assert not Incident.objects.exists()


def test_an_oversized_body_is_400(send, pagerduty, settings):
    settings.INTEGRATION_MAX_BODY_BYTES = 2048
    payload = with_event(load("pagerduty_incident_triggered"), title="x" * 5000)
    response = send(pagerduty, payload)
    assert response.status_code == 400
    delivery = InboundDelivery.objects.get()
    assert delivery.outcome == "invalid"
    assert delivery.body_truncated
    assert len(delivery.body) <= 2048
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"event": "x"}',
        b'{"event": {"id": "E1", "event_type": "incident.triggered"}}',
        b'{"event": {"id": "E1", "event_type": "incident.triggered", "occurred_at": "yesterday"}}',
        b'{"event": {"id": "E1", "event_type": "incident.triggered", "occurred_at": "2020-01-01T00:00:00"}}',
        b'{"event": {"id": "E1", "event_type": "incident.triggered", "occurred_at": "2020-01-01T00:00:00Z", "data": []}}',
        b"[" * 100_000,
        b'{"event": {"id": 1e999999}}',
    ],
)
def test_a_malformed_body_with_a_valid_signature_is_400_never_500(send, pagerduty, body):
    response = send(pagerduty, body)
    assert response.status_code == 400, response.content
    assert InboundDelivery.objects.get().outcome == "invalid"
    assert not Incident.objects.exists()


def test_a_vendor_accept_header_never_turns_the_answer_into_a_406(client, pagerduty):
    body = json.dumps(load("pagerduty_incident_triggered")).encode()
    response = client.post(
        webhook_url(pagerduty),
        data=body,
        content_type="application/json",
        HTTP_ACCEPT="text/plain",
        HTTP_X_PAGERDUTY_SIGNATURE=pagerduty_signature(body, PAGERDUTY_SECRET),
    )
    assert response.status_code == 200


# --- idempotency and order -----------------------------------------------------------------------------


def test_a_redelivered_event_is_a_no_op(send, pagerduty):
    payload = load("pagerduty_incident_triggered")
    assert send(pagerduty, payload).json()["outcome"] == "applied"
    again = send(pagerduty, payload)
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert Incident.objects.count() == 1
    assert list(InboundDelivery.objects.order_by("id").values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]


def test_the_same_event_id_may_be_processed_once_per_integration_only(pagerduty, admin_user):
    from django.db import IntegrityError, transaction

    InboundDelivery.objects.create(integration=pagerduty, event_id="E1", outcome="applied", http_status=200)
    InboundDelivery.objects.create(integration=pagerduty, event_id="E1", outcome="duplicate", http_status=200)
    with pytest.raises(IntegrityError), transaction.atomic():
        InboundDelivery.objects.create(
            integration=pagerduty, event_id="E1", outcome="ignored", http_status=200
        )


def test_acknowledge_and_resolve_take_the_vendors_event_times(send, pagerduty):
    for name in ("triggered", "acknowledged", "resolved"):
        assert send(pagerduty, load(f"pagerduty_incident_{name}")).status_code == 200
    incident = linked_incident(pagerduty)
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.acknowledged_at == dt("2020-04-09T15:21:03.421Z")
    assert incident.contained_at == dt("2020-04-09T15:45:10Z")
    assert incident.resolved_at == dt("2020-04-09T15:45:10Z")
    transitions = AuditEvent.objects.filter(
        object_id=str(incident.pk), action__startswith="incident."
    ).values_list("action", "actor_username")
    assert ("incident.acknowledge", pagerduty.actor.username) in transitions


def test_a_resolve_before_any_acknowledge_ends_resolved_with_the_resolve_time_on_each_step(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    assert send(pagerduty, load("pagerduty_incident_resolved")).json()["outcome"] == "applied"
    incident = linked_incident(pagerduty)
    resolved = dt("2020-04-09T15:45:10Z")
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.acknowledged_at == incident.contained_at == incident.resolved_at == resolved


def test_events_that_arrive_before_the_trigger_create_the_incident_and_the_trigger_changes_nothing(
    send, pagerduty
):
    assert send(pagerduty, load("pagerduty_incident_acknowledged")).json()["outcome"] == "applied"
    incident = linked_incident(pagerduty)
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.detected_at == dt("2020-04-09T15:16:27Z")
    trigger = send(pagerduty, load("pagerduty_incident_triggered"))
    assert trigger.json()["outcome"] == "ignored"
    assert Incident.objects.count() == 1
    assert linked_incident(pagerduty).status == IncidentStatus.ACKNOWLEDGED


def test_a_reopen_that_arrives_before_its_resolve_leaves_the_incident_open(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    send(pagerduty, load("pagerduty_incident_acknowledged"))
    send(pagerduty, load("pagerduty_incident_reopened"))  # 16:30, but the 15:45 resolve is still in flight
    stale = send(pagerduty, load("pagerduty_incident_resolved"))
    assert "Stale" in stale.json()["detail"]
    incident = linked_incident(pagerduty)
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.resolved_at is None


def test_reopen_after_resolve_takes_the_vendors_time(send, pagerduty):
    for name in ("triggered", "resolved", "reopened"):
        send(pagerduty, load(f"pagerduty_incident_{name}"))
    incident = linked_incident(pagerduty)
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.reopened_at == dt("2020-04-09T16:30:00Z")
    assert incident.resolved_at is None


def test_a_vendor_time_in_the_future_rolls_the_whole_delivery_back(send, pagerduty):
    """The resolve creates the incident, then fails on its time: nothing of it may remain."""
    future = (timezone.now() + timedelta(days=1)).isoformat()
    payload = with_event(load("pagerduty_incident_resolved"), occurred_at=future)
    response = send(pagerduty, payload)
    assert response.status_code == 400
    assert "future" in response.json()["detail"]
    assert not Incident.objects.exists()
    assert not ExternalIncident.objects.exists()
    delivery = InboundDelivery.objects.get()
    assert (delivery.outcome, delivery.verified, delivery.event_id) == (
        "failed",
        True,
        "01BRB6ZP4M6T8ZG4X6BP63ZD7Q",
    )
    # The vendor's retry (same event id) is not a duplicate: a failed delivery claims nothing.
    assert send(pagerduty, payload).json()["outcome"] == "failed"


def test_an_unknown_event_type_is_stored_and_ignored(send, pagerduty):
    response = send(pagerduty, load("pagerduty_service_updated"))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    delivery = InboundDelivery.objects.get()
    assert (delivery.event_type, delivery.verified) == ("service.updated", True)
    assert "service.updated" in delivery.body
    assert not Incident.objects.exists()


# --- priority and notes --------------------------------------------------------------------------------


def test_a_priority_update_changes_the_severity_through_the_mapping(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    assert linked_incident(pagerduty).severity.name == "SEV3"
    assert send(pagerduty, load("pagerduty_incident_priority_updated")).json()["outcome"] == "applied"
    incident = linked_incident(pagerduty)
    assert incident.severity == Severity.objects.get(name="SEV1")
    assert AuditEvent.objects.filter(action="incident.updated", object_id=str(incident.pk)).exists()


def test_urgency_maps_when_the_priority_is_not_in_the_mapping(send, pagerduty):
    payload = with_event(load("pagerduty_incident_triggered"), priority=None, urgency="low")
    send(pagerduty, payload)
    assert linked_incident(pagerduty).severity.name == "SEV4"


def test_an_unmapped_priority_falls_back_to_the_default_severity(send, pagerduty):
    payload = with_event(load("pagerduty_incident_triggered"), priority=None, urgency="medium")
    send(pagerduty, payload)
    assert linked_incident(pagerduty).severity == pagerduty.default_severity


def test_a_later_event_with_the_same_priority_does_not_undo_a_severity_changed_in_the_portal(
    send, pagerduty, responder
):
    from incidents import services as incident_services

    send(pagerduty, load("pagerduty_incident_triggered"))
    incident = linked_incident(pagerduty)
    incident_services.incident_update(
        incident=incident, actor=responder, data={"severity": Severity.objects.get(name="SEV1")}
    )
    send(pagerduty, load("pagerduty_incident_acknowledged"))
    assert linked_incident(pagerduty).severity.name == "SEV1"


def test_an_annotation_becomes_a_timeline_note_at_the_vendors_time(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    assert send(pagerduty, load("pagerduty_incident_annotated")).json()["outcome"] == "applied"
    note = TimelineEvent.objects.get(incident=linked_incident(pagerduty), kind=TimelineKind.NOTE)
    assert note.text == "[PagerDuty] Tenex Engineer: I sure am glad we are using PagerDuty!"
    assert note.occurred_at == dt("2020-04-09T15:25:00Z")
    assert note.author == pagerduty.actor


def test_an_annotation_for_an_unknown_incident_is_ignored(send, pagerduty):
    assert send(pagerduty, load("pagerduty_incident_annotated")).json()["outcome"] == "ignored"
    assert not Incident.objects.exists()


def test_incidents_of_a_restricting_integration_are_restricted(send, admin_user, pagerduty):
    services.integration_update(integration=pagerduty, actor=admin_user, data={"restrict_incidents": True})
    send(pagerduty, load("pagerduty_incident_triggered"))
    assert linked_incident(pagerduty).is_restricted


def test_receiving_a_webhook_takes_a_bounded_number_of_queries(send, pagerduty):
    send(pagerduty, load("pagerduty_incident_triggered"))
    with CaptureQueriesContext(connection) as captured:
        assert send(pagerduty, load("pagerduty_incident_annotated")).status_code == 200
    assert len(captured.captured_queries) <= 30


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections to a server")
@pytest.mark.parametrize(
    "names",
    [
        ("pagerduty_incident_triggered", "pagerduty_incident_triggered"),
        ("pagerduty_incident_triggered", "pagerduty_incident_acknowledged"),
    ],
)
def test_concurrent_deliveries_for_one_new_incident_create_it_once(tx_db, pagerduty, names):
    import threading

    from django.db import connections

    from integrations.inbound import webhook_receive

    bodies = [json.dumps(load(name)).encode() for name in names]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run(body: bytes) -> None:
        try:
            barrier.wait()
            headers = {"X-PagerDuty-Signature": pagerduty_signature(body, PAGERDUTY_SECRET)}
            received = webhook_receive(
                integration=Integration.objects.get(pk=pagerduty.pk),
                body=body,
                too_large=False,
                headers=headers,
            )
            statuses.append(received.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Incident.objects.count() == 1
    assert ExternalIncident.objects.count() == 1
    assert sorted(statuses)[0] == 200
    assert set(statuses) <= {200, 409}
    assert InboundDelivery.objects.filter(outcome="applied").count() >= 1
