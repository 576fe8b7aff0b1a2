"""Domain events: published once inside the change's transaction, each subscriber once, failures roll back."""

from __future__ import annotations

import pytest
from django.db import transaction

from compliance import events as compliance_events
from incidents import events as incident_events
from incidents import services
from incidents.models import Incident, TimelineEvent
from portal.events import DomainEvent, declared_events
from portal.models import AuditEvent
from postmortems import events as postmortem_events


def test_every_app_declares_its_events_and_the_subscribers_are_connected_once():
    events = declared_events()
    assert {
        "incident.created",
        "incident.status_changed",
        "incident.facts_changed",
        "report.submitted",
        "postmortem.published",
    } <= set(events)
    status = incident_events.incident_status_changed.subscribers
    assert "compliance.obligations_follow_incident_status" in status
    assert "integrations.webhook_incident_status_changed" in status
    assert len(status) == len(set(status))
    assert "compliance.obligations_follow_incident_facts" in incident_events.incident_facts_changed.subscribers
    assert "integrations.webhook_report_submitted" in compliance_events.report_submitted.subscribers
    assert "integrations.webhook_postmortem_published" in postmortem_events.postmortem_published.subscribers


def test_a_change_published_once_reaches_each_subscriber_once(incident, responder):
    heard: list[dict] = []

    def listener(**payload):
        heard.append(payload)

    event = incident_events.incident_status_changed
    with event.subscribed(listener, uid="tests.listener"):
        event.subscribe(listener, uid="tests.listener")  # a second subscription with the same uid is a no-op
        services.incident_acknowledge(incident=incident, actor=responder)
    assert len(heard) == 1
    assert heard[0]["incident"].pk == incident.pk
    assert heard[0]["actor"] == responder
    assert heard[0]["action"] == "acknowledge"
    assert heard[0]["previous_status"] == "reported"
    assert heard[0]["changed_at"] == Incident.objects.get(pk=incident.pk).acknowledged_at
    assert "tests.listener" not in event.subscribers


def test_facts_changed_names_the_changed_fields_only(incident, responder):
    heard: list[frozenset] = []
    event = incident_events.incident_facts_changed
    with event.subscribed(lambda **payload: heard.append(payload["fields"]), uid="tests.fields"):
        services.incident_update(incident=incident, actor=responder, data={"title": incident.title})
        services.incident_update(incident=incident, actor=responder, data={"title": "Renamed", "impact": "x"})
    assert heard == [frozenset({"title", "impact"})]


def test_a_failing_subscriber_rolls_the_change_back(incident, responder):
    def broken(**payload):
        raise RuntimeError("subscriber failed")

    timeline_before = TimelineEvent.objects.filter(incident=incident).count()
    audit_before = AuditEvent.objects.count()
    with (
        incident_events.incident_status_changed.subscribed(broken, uid="tests.broken"),
        pytest.raises(RuntimeError, match="subscriber failed"),
    ):
        services.incident_acknowledge(incident=incident, actor=responder)
    incident.refresh_from_db()
    assert incident.status == "reported"
    assert incident.acknowledged_at is None
    assert TimelineEvent.objects.filter(incident=incident).count() == timeline_before
    assert AuditEvent.objects.count() == audit_before


def test_publishing_needs_the_declared_payload_and_a_transaction(tx_db):
    event = DomainEvent("tests.payload_checked", payload=("thing",))
    with pytest.raises(TypeError, match="missing thing; unexpected other"), transaction.atomic():
        event.publish(other=1)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        event.publish(thing=1)
    with pytest.raises(ValueError, match="declared twice"):
        DomainEvent("tests.payload_checked", payload=())
