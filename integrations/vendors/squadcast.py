"""Squadcast outgoing webhooks, payload version v2.

Follows Squadcast's developer documentation "Outgoing Webhooks" (POST with a
JSON body, retried up to 3 times on a non-2xx answer, additional headers of
your choice) and its v2 payload pages "Incident Triggered", "Incident
Acknowledged", "Incident Resolved" and "Incident Notes Created" (envelope
``version``, ``event {id, type, resource, timestamp}``, ``data
{resource_data, resource_type, organization, team}``). Squadcast does not
sign its webhooks, so the secret travels in an additional header that you
configure there: ``X-Webhook-Secret: <secret>`` (or ``Authorization: Bearer
<secret>``); it is compared in constant time.

A resolved payload carries the incident's timeline, so an acknowledgement
that happened before the resolution keeps its real time even when the
acknowledged webhook is lost or arrives late.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from integrations.choices import VendorChange
from integrations.signing import verify_shared_secret
from integrations.vendors import (
    PayloadError,
    VendorEvent,
    VendorIncident,
    iso_time,
    obj,
    optional_obj,
    text,
)

LABEL = "Squadcast"

CHANGES: dict[str, str] = {
    "incident.triggered": VendorChange.TRIGGERED,
    "incident.acknowledged": VendorChange.ACKNOWLEDGED,
    "incident.resolved": VendorChange.RESOLVED,
    "incident.reopened": VendorChange.REOPENED,
    "incident.priority_updated": VendorChange.PRIORITY,
    "incident.incident_notes_created": VendorChange.NOTE,
}


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> bool:
    return verify_shared_secret(headers, secrets)


def _acknowledged_at(timeline: Any) -> datetime | None:
    if not isinstance(timeline, list):
        return None
    for entry in timeline[:200]:
        if isinstance(entry, dict) and entry.get("action") == "acknowledged":
            return iso_time(entry.get("time"), "data.resource_data.timeline[].time")
    return None


def _incident(data: dict[str, Any], where: str) -> VendorIncident:
    service = optional_obj(data.get("service"), f"{where}.service")
    priority = data.get("priority")
    keys = (text(priority, f"{where}.priority", limit=100),) if isinstance(priority, str) and priority else ()
    return VendorIncident(
        external_id=text(data.get("id"), f"{where}.id", required=True, limit=200),
        title=text(data.get("message"), f"{where}.message", limit=200),
        summary=text(data.get("description"), f"{where}.description"),
        url=text(data.get("url"), f"{where}.url", limit=500),
        service_name=text(service.get("name"), f"{where}.service.name", limit=100),
        priority_keys=keys,
        created_at=iso_time(data.get("created_at"), f"{where}.created_at"),
        acknowledged_at=_acknowledged_at(data.get("timeline")),
    )


def parse(payload: Any, *, headers: Mapping[str, str], body: bytes) -> VendorEvent:
    root = obj(payload, "The body")
    if root.get("version") not in (None, "v2"):
        raise PayloadError("Only Squadcast's v2 webhook payloads are understood; choose v2 in Squadcast.")
    event = obj(root.get("event"), "event")
    event_id = text(event.get("id"), "event.id", required=True, limit=200)
    event_type = text(event.get("type"), "event.type", required=True, limit=100)
    occurred_at = iso_time(event.get("timestamp"), "event.timestamp", required=True)
    change = CHANGES.get(event_type)
    if change is None:
        return VendorEvent(event_id, event_type, None, occurred_at, None)
    data = obj(root.get("data"), "data")
    resource = obj(data.get("resource_data"), "data.resource_data")
    if change == VendorChange.NOTE:
        incident = _incident(obj(data.get("incident"), "data.incident"), "data.incident")
        message = optional_obj(resource.get("message"), "data.resource_data.message")
        author = optional_obj(resource.get("created_by"), "data.resource_data.created_by")
        return VendorEvent(
            event_id,
            event_type,
            change,
            iso_time(resource.get("created_at"), "data.resource_data.created_at") or occurred_at,
            incident,
            note=text(message.get("message"), "data.resource_data.message.message", required=True),
            author=text(author.get("name"), "data.resource_data.created_by.name", limit=150),
        )
    return VendorEvent(event_id, event_type, change, occurred_at, _incident(resource, "data.resource_data"))
