"""Opsgenie webhook integration (alert actions posted to a URL).

Follows Atlassian's "Integrate Opsgenie with Webhook" support page (alert
actions such as Create, Acknowledge, Close and AddNote are POSTed as JSON with
``action``, ``alert`` - alertId, message, tinyId, alias, entity, createdAt,
updatedAt, priority, note, description, username - and ``source``; custom
headers can be added to every call). Opsgenie does not sign the call, so
add the custom header ``X-Webhook-Secret: <secret>`` in the integration's
settings; it is compared in constant time.

Opsgenie gives no event id, so a SHA-256 of the body stands in for it (a
redelivery repeats the body). Times are epoch numbers whose unit varies
(createdAt in milliseconds, updatedAt often in nanoseconds): the unit is
told apart by size. ``Close`` resolves; ``UnAcknowledge`` changes nothing
(the portal has no un-acknowledge step); ``Delete`` and the other actions are
stored and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from integrations.choices import VendorChange
from integrations.signing import verify_shared_secret
from integrations.vendors import (
    VendorEvent,
    VendorIncident,
    body_digest,
    epoch_time,
    obj,
    text,
)

LABEL = "Opsgenie"

CHANGES: dict[str, str] = {
    "Create": VendorChange.TRIGGERED,
    "UnAcknowledge": VendorChange.TRIGGERED,
    "Acknowledge": VendorChange.ACKNOWLEDGED,
    "Close": VendorChange.RESOLVED,
    "AddNote": VendorChange.NOTE,
    "UpdatePriority": VendorChange.PRIORITY,
}


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> bool:
    return verify_shared_secret(headers, secrets)


def parse(payload: Any, *, headers: Mapping[str, str], body: bytes) -> VendorEvent:
    root = obj(payload, "The body")
    action = text(root.get("action"), "action", required=True, limit=100)
    alert = obj(root.get("alert"), "alert")
    created_at = epoch_time(alert.get("createdAt"), "alert.createdAt")
    updated_at = epoch_time(alert.get("updatedAt"), "alert.updatedAt")
    change = CHANGES.get(action)
    occurred_at = created_at if change == VendorChange.TRIGGERED and action == "Create" else None
    occurred_at = occurred_at or updated_at or created_at
    event_id = body_digest(body)
    if change is None:
        return VendorEvent(event_id, action, None, occurred_at, None)
    priority = text(alert.get("priority"), "alert.priority", limit=100)
    tiny_id = text(alert.get("tinyId"), "alert.tinyId", limit=50)
    incident = VendorIncident(
        external_id=text(alert.get("alertId"), "alert.alertId", required=True, limit=200),
        title=text(alert.get("message"), "alert.message", limit=200),
        summary=text(alert.get("description"), "alert.description"),
        number=f"#{tiny_id}" if tiny_id else "",
        service_name=text(alert.get("entity"), "alert.entity", limit=100),
        priority_keys=(priority,) if priority else (),
        created_at=created_at,
    )
    author = text(alert.get("username"), "alert.username", limit=150)
    note = text(alert.get("note"), "alert.note", required=change == VendorChange.NOTE)
    return VendorEvent(event_id, action, change, occurred_at, incident, note=note, author=author)
