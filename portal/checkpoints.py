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
from portal.outbox import outbox_enqueue, outbox_handler

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


OUTBOX_CHECKPOINT = "audit.checkpoint"
OUTBOX_LOG_LINE = "audit.checkpoint_log"


@outbox_handler(OUTBOX_LOG_LINE)
def _retry_log_line(payload: dict[str, Any]) -> None:
    log_append(payload)  # raises while the file stays unwritable: the outbox retries with backoff


def _log_after_commit(record: dict[str, Any]) -> None:
    """Append at once; if the file cannot be written, leave it to the outbox to retry (never lost)."""
    try:
        log_append(record)
    except OSError:
        logger.exception("Could not append checkpoint %s to %s; the outbox retries", record["id"], log_path())
        try:
            outbox_enqueue(OUTBOX_LOG_LINE, record)
        except Exception:
            logger.exception("Could not queue checkpoint %s for the log either", record["id"])


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


@outbox_handler(OUTBOX_CHECKPOINT)
def _checkpoint_message(payload: dict[str, Any]) -> None:
    checkpoint_create(reason=str(payload.get("reason", "")))


def checkpoint_after_commit(reason: str) -> None:
    """Ask for a checkpoint once the current transaction has committed (from a domain-event subscriber).

    The request is an outbox message written with the change, so it is never
    lost; the checkpoint runs in a transaction of its own, so the change that
    asked for it is committed whatever happens to the checkpoint (an
    unreadable key, a full disk: the outbox retries).
    """
    outbox_enqueue(OUTBOX_CHECKPOINT, {"reason": reason})


def newest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-id").first()
