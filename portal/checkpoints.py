"""Signed checkpoints of the audit trail: anchors that live outside the database.

A checkpoint signs ``{"sequence", "head_hash", "created_at"}`` of the chain's
head (canonical JSON, see ``signed_message``) with the key of
``portal.audit_key``. It is stored (``AuditCheckpoint``), appended to the
JSON-lines file ``AUDIT_CHECKPOINT_LOG`` after commit, and published as the
domain event ``audit.checkpoint`` (integrations turns it into the outbound
webhook event of the same name). ``manage.py audit_checkpoint`` writes one
from cron; the evidence app writes one after a regulator report is submitted
and after a post-mortem is published.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import audit_key, events
from portal.audit import GENESIS_HASH, lock_chain
from portal.models import AuditCheckpoint, AuditEvent

logger = logging.getLogger(__name__)

REASON_SCHEDULED = "scheduled"


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def signed_message(*, sequence: int, head_hash: str, created_at: str) -> bytes:
    """The exact bytes a checkpoint signature covers (``verify.py`` of a pack rebuilds them the same way)."""
    body = {"created_at": created_at, "head_hash": head_hash, "sequence": sequence}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def checkpoint_message(checkpoint: AuditCheckpoint) -> bytes:
    return signed_message(
        sequence=checkpoint.sequence,
        head_hash=checkpoint.head_hash,
        created_at=timestamp(checkpoint.created_at),
    )


def checkpoint_record(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """One line of the checkpoint log, the webhook payload and the evidence pack's ``checkpoints.jsonl``."""
    return {
        "id": checkpoint.pk,
        "sequence": checkpoint.sequence,
        "head_hash": checkpoint.head_hash,
        "created_at": timestamp(checkpoint.created_at),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
        "reason": checkpoint.reason,
    }


def log_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_LOG)


def log_append(record: dict[str, Any]) -> None:
    """Append one line, opened with O_APPEND so that concurrent writers never interleave a line."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _log_after_commit(record: dict[str, Any]) -> None:
    try:
        log_append(record)
    except OSError:
        # The checkpoint is stored and signed; a missing line is found by `verify_audit --checkpoints`.
        logger.exception("Could not append checkpoint %s to %s", record["id"], log_path())


@transaction.atomic
def checkpoint_create(*, reason: str = REASON_SCHEDULED) -> AuditCheckpoint:
    """Sign the current head of the chain; the log line follows after commit."""
    lock_chain()
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    sequence, head_hash = head if head else (0, GENESIS_HASH)
    created_at = timezone.now()
    signature, key_id = audit_key.sign(
        signed_message(sequence=sequence, head_hash=head_hash, created_at=timestamp(created_at))
    )
    checkpoint = AuditCheckpoint.objects.create(
        sequence=sequence,
        head_hash=head_hash,
        created_at=created_at,
        signature=signature,
        key_id=key_id,
        reason=reason[:40],
    )
    events.audit_checkpoint.publish(checkpoint=checkpoint)
    record = checkpoint_record(checkpoint)
    transaction.on_commit(lambda: _log_after_commit(record))
    return checkpoint


def checkpoint_quietly(reason: str) -> AuditCheckpoint | None:
    """A checkpoint that can never fail the caller (after another change was committed)."""
    try:
        return checkpoint_create(reason=reason)
    except Exception:
        logger.exception("Could not write an audit checkpoint (%s)", reason)
        return None


def checkpoint_after_commit(reason: str) -> None:
    """Ask for a checkpoint once the current transaction has committed (from a domain-event subscriber).

    It runs in a transaction of its own, so the change that asked for it is
    committed whatever happens to the checkpoint (an unreadable key, a full disk).
    """
    transaction.on_commit(lambda: checkpoint_quietly(reason))


def newest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-id").first()
