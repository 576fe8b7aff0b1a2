"""ServiceNow incidents, pushed by a business rule through an outbound REST message.

ServiceNow has no fixed outgoing webhook: the documented way is an *after
insert/update* Business Rule on the ``incident`` table that posts the record
with ``sn_ws.RESTMessageV2`` (ServiceNow docs, "Outbound REST" and
"RESTMessageV2 API"). The body is the incident record in the Table API's
field names and internal values (ServiceNow docs, "Table API": ``sys_id``,
``number``, ``short_description``, ``description``, ``state``, ``priority``,
``opened_at``, ``resolved_at``, ``closed_at``, ``sys_updated_on``,
``sys_mod_count``; times in UTC as ``YYYY-MM-DD HH:MM:SS``), either bare or
wrapped as the Table API wraps it (``{"result": {...}}``). Three optional
extras: ``url`` (a link to the record), ``service`` (the business
service's display name) and ``work_notes`` (the latest work note, e.g.
``current.work_notes.getJournalEntry(1)``). The rule adds the header
``X-Webhook-Secret: <secret>``::

    var r = new sn_ws.RESTMessageV2();
    r.setEndpoint('https://portal.example/api/v1/integrations/7/webhook/');
    r.setHttpMethod('POST');
    r.setRequestHeader('Content-Type', 'application/json');
    r.setRequestHeader('X-Webhook-Secret', gs.getProperty('x_portal.webhook_secret'));
    r.setRequestBody(JSON.stringify({sys_id: current.getValue('sys_id'), ...}));
    r.executeAsync();

Every call is a snapshot, so the event id is ``<sys_id>:<sys_mod_count>``
(ServiceNow increments the count on every update). State: 1 New ->
triggered; 2 In Progress, 3 On Hold -> acknowledged; 6 Resolved, 7 Closed ->
resolved (closing in the portal stays a portal decision); 8 Canceled ->
declined when still possible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from integrations.choices import VendorChange
from integrations.signing import verify_shared_secret
from integrations.vendors import PayloadError, VendorEvent, VendorIncident, obj, text, utc_time

LABEL = "ServiceNow"

STATE_CHANGES: dict[str, str] = {
    "1": VendorChange.TRIGGERED,
    "2": VendorChange.ACKNOWLEDGED,
    "3": VendorChange.ACKNOWLEDGED,
    "6": VendorChange.RESOLVED,
    "7": VendorChange.RESOLVED,
    "8": VendorChange.CANCELLED,
}


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> bool:
    return verify_shared_secret(headers, secrets)


def _value(record: dict[str, Any], field: str) -> Any:
    """A field's internal value; reference fields come as {"value": ..., "link": ...}."""
    value = record.get(field)
    if isinstance(value, dict):
        value = value.get("value")
    return value


def parse(payload: Any, *, headers: Mapping[str, str], body: bytes) -> VendorEvent:
    root = obj(payload, "The body")
    record = obj(root["result"], "result") if "result" in root else root
    sys_id = text(_value(record, "sys_id"), "sys_id", required=True, limit=64)
    mod_count = text(_value(record, "sys_mod_count"), "sys_mod_count", required=True, limit=20)
    if not mod_count.isdigit():
        raise PayloadError("sys_mod_count must be a whole number.")
    state = text(_value(record, "state"), "state", required=True, limit=10)
    updated_at = utc_time(_value(record, "sys_updated_on"), "sys_updated_on")
    if updated_at is None:
        raise PayloadError("sys_updated_on is required.")
    change = STATE_CHANGES.get(state)
    event_type = f"incident.state.{state}"
    occurred_at = updated_at
    if change == VendorChange.RESOLVED:
        occurred_at = (
            utc_time(_value(record, "resolved_at"), "resolved_at")
            or utc_time(_value(record, "closed_at"), "closed_at")
            or updated_at
        )
    event_id = f"{sys_id}:{mod_count}"
    if change is None:
        return VendorEvent(event_id, event_type, None, occurred_at, None)
    priority = text(_value(record, "priority"), "priority", limit=100)
    number = text(_value(record, "number"), "number", limit=40)
    incident = VendorIncident(
        external_id=sys_id,
        title=text(_value(record, "short_description"), "short_description", limit=200),
        summary=text(_value(record, "description"), "description"),
        url=text(record.get("url"), "url", limit=500),
        number=number,
        service_name=text(record.get("service"), "service", limit=100),
        priority_keys=(priority,) if priority else (),
        created_at=utc_time(_value(record, "opened_at"), "opened_at"),
    )
    note = text(record.get("work_notes"), "work_notes")
    return VendorEvent(event_id, event_type, change, occurred_at, incident, note=note)
