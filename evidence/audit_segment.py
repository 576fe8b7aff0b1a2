"""The slice of the audit trail that a pack carries, and the checkpoints that anchor it.

The segment runs from the first event of the period to the first checkpoint
at or after the period's last event (one is written now when none exists
yet), so that ``verify.py`` can check every event of the period against a
signed head. Events the reader may not see (about a restricted incident
they are not cleared for, or, for a reader without the audit trail, about
anything outside the pack) keep their place in the chain with their hashes
but without their content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from incidents.models import Incident
from incidents.selectors import incidents_visible_to
from portal.audit import canonical_payload
from portal.checkpoints import checkpoint_create, checkpoint_record
from portal.models import AuditCheckpoint, AuditEvent
from portal.permissions import can_view_audit_trail

_REFERENCE = re.compile(r"\b[A-Z]{2,10}-\d{4}-\d{3,}\b")
_INCIDENT_TYPE = Incident._meta.label_lower


def _event_record(event: AuditEvent) -> dict[str, Any]:
    return {**json.loads(canonical_payload(event)), "hash": event.hash}


def _redacted(event: AuditEvent) -> dict[str, Any]:
    return {"sequence": event.sequence, "prev_hash": event.prev_hash, "hash": event.hash, "redacted": True}


def segment(
    user: Any, start: datetime, end: datetime, pack_incident_ids: set[int]
) -> tuple[Iterator[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """``(events, checkpoints, summary)``; events stream from the database."""
    first = (
        AuditEvent.objects.filter(created_at__gte=start)
        .order_by("sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    last = (
        AuditEvent.objects.filter(created_at__lt=end)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    if first is None or last is None or last < first:
        return iter(()), [], {"first_sequence": None, "last_sequence": None, "events": 0, "checkpoints": 0}
    anchor = AuditCheckpoint.objects.filter(sequence__gte=last).order_by("sequence", "id").first()
    if anchor is None:
        anchor = checkpoint_create(reason="evidence_pack")
    end_sequence = anchor.sequence
    checkpoints = [
        checkpoint_record(c)
        for c in AuditCheckpoint.objects.filter(sequence__gte=first, sequence__lte=end_sequence).order_by(
            "id"
        )
    ]
    full_trail = can_view_audit_trail(user)
    visible = (
        set(incidents_visible_to(user).values_list("pk", flat=True)) if full_trail else set(pack_incident_ids)
    )
    references = dict(Incident.objects.values_list("reference", "pk"))

    def shown(event: AuditEvent) -> bool:
        mentioned = {references.get(ref) for ref in _REFERENCE.findall(event.object_repr)} - {None}
        if event.object_type == _INCIDENT_TYPE and event.object_id.isdigit():
            mentioned.add(int(event.object_id))
        if any(pk not in visible for pk in mentioned):
            return False
        return full_trail or bool(mentioned)

    def records() -> Iterator[dict[str, Any]]:
        events = AuditEvent.objects.filter(sequence__gte=first, sequence__lte=end_sequence).order_by(
            "sequence"
        )
        for event in events.iterator(chunk_size=2000):
            yield _event_record(event) if shown(event) else _redacted(event)

    summary = {
        "first_sequence": first,
        "last_sequence": end_sequence,
        "period_last_sequence": last,
        "events": end_sequence - first + 1,
        "checkpoints": len(checkpoints),
        "content": "full trail" if full_trail else "events about the incidents of this pack",
    }
    return records(), checkpoints, summary
