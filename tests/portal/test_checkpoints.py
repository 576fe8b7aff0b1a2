"""Signed checkpoints: what an administrator of the database can no longer hide."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from portal import audit_key
from portal.audit import audit_record, compute_hash
from portal.audit_verify import verify_incremental, verify_trail
from portal.checkpoints import checkpoint_create
from portal.dbtriggers import AUDIT_GUARD, CHECKPOINT_GUARD, guards_lifted
from portal.events import audit_checkpoint
from portal.models import AuditCheckpoint, AuditEvent


def _events(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(action=f"test.{i}", actor=None, object_type="test", object_id=str(i))
        for i in range(start, start + n)
    ]


def _verify(capsys, *args: str) -> tuple[int, str, str]:
    try:
        call_command("verify_audit", *args)
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_key_is_generated_once_outside_the_database_with_mode_0600(db, settings):
    assert not settings.AUDIT_SIGNING_KEY_FILE.exists()
    first = checkpoint_create()
    mode = stat.S_IMODE(settings.AUDIT_SIGNING_KEY_FILE.stat().st_mode)
    assert mode == 0o600
    second = checkpoint_create()
    assert first.key_id == second.key_id == audit_key.key_id(audit_key.public_key())
    field_names = {f.name for f in AuditCheckpoint._meta.get_fields()}
    assert not field_names & {"key", "private_key", "secret"}


def test_a_checkpoint_signs_the_head_and_is_appended_to_the_log(
    db, settings, django_capture_on_commit_callbacks
):
    events = _events(3)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = checkpoint_create()
    assert (checkpoint.sequence, checkpoint.head_hash) == (3, events[-1].hash)
    lines = settings.AUDIT_CHECKPOINT_LOG.read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["id"] == checkpoint.pk
    assert record["head_hash"] == events[-1].hash
    assert record["signature"] == checkpoint.signature


def test_the_command_prints_the_public_key(db, capsys):
    call_command("audit_checkpoint", "--public-key")
    out = capsys.readouterr()
    assert out.out.startswith("-----BEGIN PUBLIC KEY-----")
    assert audit_key.key_id(audit_key.public_key()) in out.err
    assert AuditCheckpoint.objects.count() == 0


def test_the_command_writes_a_checkpoint_and_verify_audit_accepts_it(db, capsys):
    _events(2)
    call_command("audit_checkpoint")
    assert "event #2" in capsys.readouterr().out
    code, out, _ = _verify(capsys)
    assert code == 0
    assert "2 events verified; 1 checkpoints verified" in out


def test_checkpoints_are_append_only(db):
    checkpoint = checkpoint_create()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(sequence=99)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).delete()


def test_it_is_published_as_a_domain_event(db):
    heard = []
    with audit_checkpoint.subscribed(lambda checkpoint: heard.append(checkpoint), uid="tests.heard"):
        checkpoint = checkpoint_create()
    assert heard == [checkpoint]


def test_truncation_of_the_newest_events_is_caught(db, capsys):
    events = _events(4)
    checkpoint_create()
    with guards_lifted(connection, [AUDIT_GUARD]), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditevent WHERE sequence >= %s", [3])
    code, _, err = _verify(capsys)
    assert code == 1
    assert "truncation" in err
    assert f"#{events[-1].sequence}" in err


def test_a_rewritten_and_rechained_history_is_caught(db, capsys):
    _events(4)
    checkpoint = checkpoint_create()
    # The administrator rewrites event 2 and recomputes every hash after it: the chain itself verifies.
    with guards_lifted(connection, [AUDIT_GUARD]):
        previous = AuditEvent.objects.get(sequence=1).hash
        for event in AuditEvent.objects.filter(sequence__gte=2).order_by("sequence"):
            if event.sequence == 2:
                event.object_repr = "nothing happened here"
            event.prev_hash = previous
            event.hash = compute_hash(event)
            AuditEvent.objects.filter(pk=event.pk).update(
                object_repr=event.object_repr, prev_hash=event.prev_hash, hash=event.hash
            )
            previous = event.hash
    code, _, err = _verify(capsys)
    assert code == 1
    assert f"checkpoint {checkpoint.pk}" in err
    assert "re-chained" in err


def test_a_forged_checkpoint_is_caught(db, capsys):
    events = _events(2)
    checkpoint = checkpoint_create()
    with guards_lifted(connection, [CHECKPOINT_GUARD]):
        AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(head_hash="e" * 64)
        AuditCheckpoint.objects.create(
            sequence=events[-1].sequence,
            head_hash=events[-1].hash,
            created_at=timezone.now(),
            signature=checkpoint.signature,
            key_id=checkpoint.key_id,
        )
    code, _, err = _verify(capsys)
    assert code == 1
    assert err.count("signature does not verify") == 2


def test_a_stale_newest_checkpoint_fails_past_the_threshold(db, settings, capsys):
    _events(1)
    checkpoint_create()
    settings.AUDIT_CHECKPOINT_MAX_AGE_MINUTES = 5
    later = timezone.now() + timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        code, _, err = _verify(capsys)
    assert code == 1
    assert "older than 5 minutes" in err
    assert _verify(capsys, "--max-age", "0")[0] == 0


def test_the_log_is_verified_against_the_database(
    db, settings, tmp_path, capsys, django_capture_on_commit_callbacks
):
    _events(2)
    with django_capture_on_commit_callbacks(execute=True):
        kept = checkpoint_create()
        _events(1, start=2)
        deleted = checkpoint_create()
    log = settings.AUDIT_CHECKPOINT_LOG
    assert _verify(capsys, "--checkpoints", str(log))[0] == 0
    # The administrator removes the newest checkpoint and the event it covered from the database.
    with guards_lifted(connection, [AUDIT_GUARD, CHECKPOINT_GUARD]), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditcheckpoint WHERE id = %s", [deleted.pk])
        cursor.execute("DELETE FROM portal_auditevent WHERE sequence = 3")
    assert _verify(capsys)[0] == 0  # the database alone no longer tells
    code, _, err = _verify(capsys, "--checkpoints", str(log))
    assert code == 1
    assert f"checkpoint {deleted.pk} of {log} is missing from the database" in err
    assert "truncation" in err
    assert f"checkpoint {kept.pk} " not in err
    # A copy with a garbled line names the line.
    copy = tmp_path / "copy.jsonl"
    copy.write_text(log.read_text() + "not json\n")
    assert f"{copy} line 3 is not a checkpoint record" in _verify(capsys, "--checkpoints", str(copy))[2]


def test_a_missing_log_file_is_bad_input(db, tmp_path, capsys):
    code, _, err = _verify(capsys, "--checkpoints", str(tmp_path / "none.jsonl"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_the_audit_page_verifies_incrementally_from_the_last_good_verification(db, client, auditor):
    _events(3)
    checkpoint_create()
    first = verify_incremental()
    assert first.ok
    assert first.through_sequence == 3
    _events(2, start=3)
    second = verify_incremental()
    assert second.ok
    assert second.through_sequence == 5
    assert second.events_checked == 2
    # Rewriting an already verified event is caught without a full walk.
    with guards_lifted(connection, [AUDIT_GUARD]):
        AuditEvent.objects.filter(sequence=5).update(hash="a" * 64)
    client.force_login(auditor)
    page = client.get("/audit/").content.decode()
    assert "Audit trail BROKEN" in page
    assert "re-chained" in page


def test_the_audit_page_shows_the_newest_checkpoint_and_readable_changes(db, client, auditor):
    audit_record(
        action="severity.changed", actor=None, object_type="t", changes={"rank": [2, 1], "note": "why"}
    )
    checkpoint = checkpoint_create()
    client.force_login(auditor)
    page = client.get("/audit/").content.decode()
    assert f"{checkpoint.pk} (scheduled)" in page
    assert checkpoint.key_id in page
    assert "<del>2</del> → <ins>1</ins>" in page
    assert "{&#x27;rank&#x27;" not in page
    assert "{'rank'" not in page
    assert "Trail intact through event #" in page


def test_verify_trail_reports_nothing_wrong_on_an_empty_trail(db):
    checkpoint_create()
    report = verify_trail(max_age=timedelta(minutes=5))
    assert report.ok, report.problems


def test_the_audit_page_says_overdue_not_broken_when_only_the_checkpoint_is_old(
    db, client, auditor, settings
):
    _events(1)
    checkpoint_create()
    settings.AUDIT_CHECKPOINT_MAX_AGE_MINUTES = 5
    client.force_login(auditor)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=30)):
        page = client.get("/audit/").content.decode()
    assert "the newest checkpoint is overdue" in page
    assert "Audit trail BROKEN" not in page
