"""Verifying the audit trail against its signed checkpoints.

``verify_trail`` (``manage.py verify_audit``) walks the whole chain and
checks every checkpoint: its signature, that the trail still reaches the
sequence it names (else the newest events were removed) and that the event
there still has the signed hash (else history was rewritten and re-chained),
optionally against an external copy of the checkpoint log, and that the
newest checkpoint is recent. ``verify_incremental`` (the audit page) goes on
from the last verification that found everything intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal import audit_key
from portal.audit import GENESIS_HASH, ChainBreak, compute_hash
from portal.checkpoints import checkpoint_record, signed_message
from portal.models import AuditCheckpoint, AuditEvent, AuditVerification


@dataclass
class TrailReport:
    """What one verification found; ``problems`` name each thing that is wrong, first the chain."""

    events_checked: int = 0
    checkpoints_checked: int = 0
    through_sequence: int = 0
    through_hash: str = GENESIS_HASH
    last_checkpoint_id: int | None = None
    newest_checkpoint_at: datetime | None = None
    chain_break: ChainBreak | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


#: How a freshness problem begins: the trail is intact, but no recent checkpoint anchors it.
STALE_PREFIXES = ("the newest checkpoint is from", "no checkpoint anchors the trail")


def verification_state(verification: AuditVerification) -> str:
    """``ok``, ``stale`` (only the newest checkpoint is too old) or ``broken``, for the audit page."""
    if verification.ok:
        return "ok"
    lines = [line for line in verification.problem.splitlines() if line.strip()]
    return "stale" if lines and all(line.startswith(STALE_PREFIXES) for line in lines) else "broken"


def default_max_age() -> timedelta:
    return timedelta(minutes=int(settings.AUDIT_CHECKPOINT_MAX_AGE_MINUTES))


def read_checkpoint_log(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """``(line number, record or None when the line is not a checkpoint)`` for each non-empty line."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                yield number, None
                continue
            wanted = {"id", "sequence", "head_hash", "created_at", "key_id", "signature"}
            yield number, record if isinstance(record, dict) and wanted <= record.keys() else None


def _walk(
    start_sequence: int, start_hash: str, wanted: set[int]
) -> tuple[int, ChainBreak | None, dict[int, str], int, str]:
    """Check the chain after ``start_sequence``; ``(checked, break, hashes of wanted, last seq, last hash)``."""
    expected_prev, expected_sequence = start_hash, start_sequence + 1
    checked = 0
    hashes: dict[int, str] = {}
    events = AuditEvent.objects.filter(sequence__gt=start_sequence).order_by("sequence")
    for event in events.iterator(chunk_size=2000):
        reason = ""
        if event.sequence != expected_sequence:
            reason = f"expected sequence {expected_sequence}"
        elif event.prev_hash != expected_prev:
            reason = "prev_hash does not match the previous event"
        elif compute_hash(event) != event.hash:
            reason = "content does not match its hash"
        if reason:
            return (
                checked,
                ChainBreak(event.sequence, event.pk, reason),
                hashes,
                expected_sequence - 1,
                expected_prev,
            )
        if event.sequence in wanted:
            hashes[event.sequence] = event.hash
        expected_prev, expected_sequence = event.hash, event.sequence + 1
        checked += 1
    return checked, None, hashes, expected_sequence - 1, expected_prev


def checkpoint_problem(
    record: dict[str, Any], key: Ed25519PublicKey | None, head_of: dict[int, str], last_sequence: int
) -> str | None:
    """What is wrong with one checkpoint (a log record), or None; ``head_of[seq]`` is the trail's hash there."""
    name = f"checkpoint {record['id']}"
    if key is None:
        return f"{name}: no public key to verify it with ({audit_key.key_path()} is missing)"
    if record["key_id"] != audit_key.key_id(key):
        return f"{name} is signed by unknown key {record['key_id']}"
    try:
        message = signed_message(
            sequence=int(record["sequence"]),
            head_hash=str(record["head_hash"]),
            created_at=record["created_at"],
        )
    except (TypeError, ValueError):
        return f"{name} is malformed"
    if not audit_key.signature_valid(key, message, str(record["signature"])):
        return f"{name}: signature does not verify (forged or altered checkpoint)"
    sequence = int(record["sequence"])
    if sequence == 0:
        return None if record["head_hash"] == GENESIS_HASH else f"{name}: an empty chain has no head"
    if sequence > last_sequence:
        return (
            f"{name} covers events up to #{sequence} but the trail ends at #{last_sequence}: "
            "events covered by a checkpoint are missing (truncation)"
        )
    if head_of.get(sequence) != record["head_hash"]:
        return (
            f"{name}: event #{sequence} no longer has the signed head hash: "
            "the history was rewritten and re-chained"
        )
    return None


def _public_key() -> Ed25519PublicKey | None:
    try:
        return audit_key.public_key(create=False)
    except audit_key.SigningKeyMissing:
        return None


def _stored_heads(sequences: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(sequences))
    heads: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        heads.update(AuditEvent.objects.filter(sequence__in=chunk).values_list("sequence", "hash"))
    return heads


def _check_freshness(report: TrailReport, newest: datetime | None, max_age: timedelta | None) -> None:
    report.newest_checkpoint_at = newest
    if max_age is None:
        return
    now = timezone.now()
    if newest is None:
        oldest = AuditEvent.objects.order_by("sequence").values_list("created_at", flat=True).first()
        if oldest is not None and now - oldest > max_age:
            report.problems.append(
                f"no checkpoint anchors the trail, whose first event is from {oldest:%Y-%m-%d %H:%M} UTC "
                "(run manage.py audit_checkpoint from cron)"
            )
    elif now - newest > max_age:
        minutes = int(max_age.total_seconds() // 60)
        report.problems.append(
            f"the newest checkpoint is from {newest:%Y-%m-%d %H:%M:%S} UTC, older than {minutes} minutes"
        )


def verify_trail(*, external_log: Path | None = None, max_age: timedelta | None = None) -> TrailReport:
    """Walk the whole chain and check every checkpoint (and those of ``external_log``)."""
    report = TrailReport()
    stored = [checkpoint_record(c) for c in AuditCheckpoint.objects.order_by("id").iterator()]
    external: list[tuple[int, dict[str, Any] | None]] = (
        list(read_checkpoint_log(external_log)) if external_log else []
    )
    wanted = {int(r["sequence"]) for r in stored} | {
        int(r["sequence"]) for _, r in external if r is not None and str(r["sequence"]).isdigit()
    }
    checked, broken, heads, last_sequence, last_hash = _walk(0, GENESIS_HASH, wanted)
    report.events_checked, report.chain_break = checked, broken
    report.through_sequence, report.through_hash = last_sequence, last_hash
    if broken is not None:
        report.problems.append(
            f"chain broken at event #{broken.sequence} (id {broken.event_id}): {broken.reason}"
        )
        # Past the break, compare checkpoints with what the rows say (truncation / rewrite still show).
        heads.update(_stored_heads(s for s in wanted if s > last_sequence))
        last_sequence = AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0
    key = _public_key()
    for record in stored:
        problem = checkpoint_problem(record, key, heads, last_sequence)
        if problem:
            report.problems.append(problem)
        report.checkpoints_checked += 1
    stamps = [parse_datetime(r["created_at"]) for r in stored]
    newest = max((s for s in stamps if s is not None), default=None)
    if external_log is not None:
        by_id = {r["id"]: r for r in stored}
        for number, entry in external:
            if entry is None:
                report.problems.append(f"{external_log} line {number} is not a checkpoint record")
                continue
            record = entry
            mine = by_id.get(record["id"])
            if mine is None:
                report.problems.append(
                    f"checkpoint {record['id']} of {external_log} is missing from the database"
                )
            elif any(mine[k] != record[k] for k in ("sequence", "head_hash", "created_at", "signature")):
                report.problems.append(
                    f"checkpoint {record['id']} in the database differs from {external_log}"
                )
            problem = checkpoint_problem(record, key, heads, last_sequence)
            if problem:
                report.problems.append(f"{problem} ({external_log} line {number})")
            when = parse_datetime(str(record["created_at"]))
            if when is not None and (newest is None or when > newest):
                newest = when
    if stored:
        report.last_checkpoint_id = stored[-1]["id"]
    _check_freshness(report, newest, max_age)
    return report


def record_verification(report: TrailReport, kind: str) -> AuditVerification:
    return AuditVerification.objects.create(
        kind=kind,
        ok=report.ok,
        problem="\n".join(report.problems),
        events_checked=report.events_checked,
        checkpoints_checked=report.checkpoints_checked,
        through_sequence=report.through_sequence,
        through_hash=report.through_hash,
        last_checkpoint_id=report.last_checkpoint_id,
    )


def verify_incremental(*, max_age: timedelta | None = None) -> AuditVerification:
    """Go on from the last verification that found the trail intact; store the outcome when it changed.

    What it proves: the events after the last verified one chain onto it, the
    last verified event still has the hash it had (so nothing before it was
    re-chained and nothing after it truncated), and every new checkpoint is
    genuine and matches. A full walk (``verify_audit``, from cron) also
    re-reads every old row.
    """
    max_age = default_max_age() if max_age is None else max_age
    last_good = AuditVerification.objects.filter(ok=True).order_by("-verified_at", "-id").first()
    if last_good is None:
        return _store_if_changed(verify_trail(max_age=max_age), AuditVerification.Kind.INCREMENTAL)
    report = TrailReport(
        through_sequence=last_good.through_sequence,
        through_hash=last_good.through_hash or GENESIS_HASH,
        last_checkpoint_id=last_good.last_checkpoint_id,
    )
    if last_good.through_sequence:
        now_hash = (
            AuditEvent.objects.filter(sequence=last_good.through_sequence)
            .values_list("hash", flat=True)
            .first()
        )
        if now_hash is None:
            report.problems.append(
                f"event #{last_good.through_sequence}, verified on {last_good.verified_at:%Y-%m-%d %H:%M}, "
                "is missing (truncation)"
            )
        elif now_hash != last_good.through_hash:
            report.problems.append(
                f"event #{last_good.through_sequence} no longer has the hash verified on "
                f"{last_good.verified_at:%Y-%m-%d %H:%M}: the history was rewritten and re-chained"
            )
    new_checkpoints = [
        checkpoint_record(c)
        for c in AuditCheckpoint.objects.filter(id__gt=last_good.last_checkpoint_id or 0).order_by("id")
    ]
    if not report.problems:
        wanted = {int(r["sequence"]) for r in new_checkpoints}
        checked, broken, heads, last_sequence, last_hash = _walk(
            last_good.through_sequence, report.through_hash, wanted
        )
        report.events_checked = checked
        if broken is not None:
            report.chain_break = broken
            report.problems.append(
                f"chain broken at event #{broken.sequence} (id {broken.event_id}): {broken.reason}"
            )
        else:
            report.through_sequence, report.through_hash = last_sequence, last_hash
        heads.update(_stored_heads(s for s in wanted if s <= last_good.through_sequence))
        key = _public_key()
        for record in new_checkpoints:
            problem = checkpoint_problem(record, key, heads, last_sequence)
            if problem:
                report.problems.append(problem)
            report.checkpoints_checked += 1
            report.last_checkpoint_id = record["id"]
    newest = AuditCheckpoint.objects.order_by("-id").values_list("created_at", flat=True).first()
    _check_freshness(report, newest, max_age)
    return _store_if_changed(report, AuditVerification.Kind.INCREMENTAL)


def _store_if_changed(report: TrailReport, kind: str) -> AuditVerification:
    latest = AuditVerification.objects.order_by("-verified_at", "-id").first()
    problem = "\n".join(report.problems)
    if (
        latest is not None
        and latest.ok == report.ok
        and latest.problem == problem
        and latest.through_sequence == report.through_sequence
        and latest.last_checkpoint_id == report.last_checkpoint_id
    ):
        return latest
    return record_verification(report, kind)
