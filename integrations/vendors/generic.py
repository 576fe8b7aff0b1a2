"""The portal's own inbound format, for tools without a vendor module.

Signed with the Standard Webhooks scheme (the same the portal signs its own
webhooks with): headers ``webhook-id`` (the event id, unique per event and
repeated on a redelivery), ``webhook-timestamp`` (Unix seconds, within five
minutes of our clock) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{webhook-id}.{webhook-timestamp}.{body}">``, keyed with the base64 part of
the integration's ``whsec_`` secret; several space-separated signatures are
accepted (rotation). The body follows the Standard Webhooks payload shape::

    {
      "type": "incident.triggered",
      "timestamp": "2026-03-27T16:30:00Z",
      "data": {
        "incident": {
          "id": "MON-4411",                          # required: your id for the incident
          "title": "Checkout error rate above 5%",   # required when the event creates it
          "summary": "...",
          "url": "https://monitoring.example/incidents/4411",
          "service": "Payments API",                 # a portal service, by name
          "priority": "P1",                          # looked up in the severity mapping
          "created_at": "2026-03-27T16:29:10Z"       # becomes detected_at
        },
        "note": "text",                              # for incident.note_added
        "author": "who wrote it"
      }
    }

``type`` is one of ``incident.triggered``, ``incident.acknowledged``,
``incident.resolved``, ``incident.reopened``, ``incident.cancelled``,
``incident.note_added`` and ``incident.priority_changed``; ``timestamp`` is
when it happened (with an offset). Other types are stored and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from integrations.choices import VendorChange
from integrations.signing import verify_standard
from integrations.vendors import PayloadError, VendorEvent, VendorIncident, iso_time, obj, text

LABEL = "Generic"

CHANGES: dict[str, str] = {
    "incident.triggered": VendorChange.TRIGGERED,
    "incident.acknowledged": VendorChange.ACKNOWLEDGED,
    "incident.resolved": VendorChange.RESOLVED,
    "incident.reopened": VendorChange.REOPENED,
    "incident.cancelled": VendorChange.CANCELLED,
    "incident.note_added": VendorChange.NOTE,
    "incident.priority_changed": VendorChange.PRIORITY,
}


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> bool:
    return verify_standard(headers, body, secrets)


def parse(payload: Any, *, headers: Mapping[str, str], body: bytes) -> VendorEvent:
    root = obj(payload, "The body")
    event_id = text(headers.get("webhook-id"), "The webhook-id header", required=True, limit=200)
    event_type = text(root.get("type"), "type", required=True, limit=100)
    occurred_at = iso_time(root.get("timestamp"), "timestamp", required=True)
    change = CHANGES.get(event_type)
    if change is None:
        return VendorEvent(event_id, event_type, None, occurred_at, None)
    data = obj(root.get("data"), "data")
    raw = obj(data.get("incident"), "data.incident")
    priority = text(raw.get("priority"), "data.incident.priority", limit=100)
    incident = VendorIncident(
        external_id=text(raw.get("id"), "data.incident.id", required=True, limit=200),
        title=text(raw.get("title"), "data.incident.title", limit=200),
        summary=text(raw.get("summary"), "data.incident.summary"),
        url=text(raw.get("url"), "data.incident.url", limit=500),
        service_name=text(raw.get("service"), "data.incident.service", limit=100),
        priority_keys=(priority,) if priority else (),
        created_at=iso_time(raw.get("created_at"), "data.incident.created_at"),
    )
    note = text(data.get("note"), "data.note", required=change == VendorChange.NOTE)
    author = text(data.get("author"), "data.author", limit=150)
    if change == VendorChange.PRIORITY and not priority:
        raise PayloadError("data.incident.priority is required for incident.priority_changed.")
    return VendorEvent(event_id, event_type, change, occurred_at, incident, note=note, author=author)
