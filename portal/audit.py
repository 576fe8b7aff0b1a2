"""The audit trail: one function to append an event, one to verify the chain.

Appending is serialised (an advisory lock on PostgreSQL, the IMMEDIATE
write lock on SQLite) so that two concurrent requests can never both chain
onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone

from portal import context
from portal.models import AuditEvent
from portal.users import User, Viewer

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
_AUDIT_LOCK_KEY = 7_301_202_611


def _plain(value: Any) -> Any:
    """Reduce a value to JSON-native types, deterministically."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return value


def canonical_payload(event: AuditEvent) -> bytes:
    payload = {
        "sequence": event.sequence,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "ip": event.ip,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.prev_hash.encode("ascii") + canonical_payload(event)).hexdigest()


def lock_chain() -> None:
    """Serialise writers of the chain (and checkpoints that read its head) until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])


def audit_record(
    *,
    action: str,
    actor: Viewer | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    request = context.current()
    with transaction.atomic():
        lock_chain()
        last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
        sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        event = AuditEvent(
            sequence=sequence,
            created_at=timezone.now(),
            actor=user,
            actor_username=getattr(user, "username", "") if user else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr[:300],
            changes=_plain(dict(changes or {})),
            ip=request.ip,
            request_id=request.request_id,
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    event_id: int
    reason: str


def _events_in_order() -> Iterator[AuditEvent]:
    yield from AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; return how many events were checked and the first break."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in _events_in_order():
        if event.sequence != expected_sequence:
            return checked, ChainBreak(event.sequence, event.pk, f"expected sequence {expected_sequence}")
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(
                event.sequence, event.pk, "prev_hash does not match the previous event"
            )
        if compute_hash(event) != event.hash:
            return checked, ChainBreak(event.sequence, event.pk, "content does not match its hash")
        expected_prev = event.hash
        expected_sequence += 1
        checked += 1
    return checked, None


def model_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    return {
        field: [_plain(before.get(field)), _plain(after.get(field))]
        for field in after
        if _plain(before.get(field)) != _plain(after.get(field))
    }
