"""PagerDuty v3 webhooks (webhook subscriptions).

Follows PagerDuty's developer documentation: "Overview" of v3 webhooks (the
``event`` envelope: ``id``, ``event_type``, ``resource_type``,
``occurred_at``, ``agent``, ``data``; the ``incident`` and ``incident_note``
data types) and "Verifying Signatures" (``X-PagerDuty-Signature: v1=<hex
HMAC-SHA256 of the raw body>``, several comma-separated while PagerDuty
rotates its secret). The secret is the one PagerDuty shows when the
subscription is created; paste it into the integration.

Mapping: ``incident.triggered`` creates the incident; ``acknowledged``,
``resolved`` and ``reopened`` move it (at ``occurred_at``);
``incident.unacknowledged`` is treated as "triggered" (the portal has no
un-acknowledge step, so it changes nothing); ``priority_updated`` changes the
severity through the mapping; ``annotated`` adds a timeline note. Every other
event type is stored and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from integrations.choices import VendorChange
from integrations.signing import verify_pagerduty
from integrations.vendors import (
    PayloadError,
    VendorEvent,
    VendorIncident,
    iso_time,
    obj,
    optional_obj,
    text,
)

LABEL = "PagerDuty"
SIGNATURE_HEADER = "X-PagerDuty-Signature"

CHANGES: dict[str, str] = {
    "incident.triggered": VendorChange.TRIGGERED,
    "incident.unacknowledged": VendorChange.TRIGGERED,
    "incident.acknowledged": VendorChange.ACKNOWLEDGED,
    "incident.resolved": VendorChange.RESOLVED,
    "incident.reopened": VendorChange.REOPENED,
    "incident.priority_updated": VendorChange.PRIORITY,
    "incident.annotated": VendorChange.NOTE,
}


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> bool:
    return verify_pagerduty(headers.get(SIGNATURE_HEADER), body, secrets)


def _incident(data: dict[str, Any]) -> VendorIncident:
    priority = optional_obj(data.get("priority"), "event.data.priority")
    service = optional_obj(data.get("service"), "event.data.service")
    number = data.get("number")
    keys = tuple(
        key
        for key in (
            text(priority.get("summary"), "event.data.priority.summary", limit=100),
            text(data.get("urgency"), "event.data.urgency", limit=100),
        )
        if key
    )
    title = text(data.get("title"), "event.data.title", limit=200)
    # PagerDuty sends a description or a body's details only for some incidents (and then the
    # description is often the title again); either is the summary when it says more.
    body = optional_obj(data.get("body"), "event.data.body")
    summary = text(body.get("details"), "event.data.body.details") or text(
        data.get("description"), "event.data.description"
    )
    return VendorIncident(
        external_id=text(data.get("id"), "event.data.id", required=True, limit=200),
        title=title,
        summary="" if summary.strip() == title.strip() else summary,
        url=text(data.get("html_url"), "event.data.html_url", limit=500),
        number=f"#{number}" if isinstance(number, int) and not isinstance(number, bool) else "",
        service_name=text(service.get("summary"), "event.data.service.summary", limit=100),
        priority_keys=keys,
        created_at=iso_time(data.get("created_at"), "event.data.created_at"),
    )


def parse(payload: Any, *, headers: Mapping[str, str], body: bytes) -> VendorEvent:
    event = obj(obj(payload, "The body").get("event"), "event")
    event_id = text(event.get("id"), "event.id", required=True, limit=200)
    event_type = text(event.get("event_type"), "event.event_type", required=True, limit=100)
    occurred_at = iso_time(event.get("occurred_at"), "event.occurred_at", required=True)
    agent = optional_obj(event.get("agent"), "event.agent")
    author = text(agent.get("summary"), "event.agent.summary", limit=150)
    change = CHANGES.get(event_type)
    if change is None or event.get("resource_type") not in (None, "incident"):
        return VendorEvent(event_id, event_type, None, occurred_at, None, author=author)
    data = obj(event.get("data"), "event.data")
    if change == VendorChange.NOTE:
        reference = obj(data.get("incident"), "event.data.incident")
        incident = VendorIncident(
            external_id=text(reference.get("id"), "event.data.incident.id", required=True, limit=200),
            url=text(reference.get("html_url"), "event.data.incident.html_url", limit=500),
        )
        note = text(data.get("content"), "event.data.content", required=True)
        return VendorEvent(event_id, event_type, change, occurred_at, incident, note=note, author=author)
    if data.get("type") not in (None, "incident"):
        raise PayloadError(f"event.data of {event_type} must be an incident.")
    return VendorEvent(event_id, event_type, change, occurred_at, _incident(data), author=author)
