"""The outbox: side effects written with the change, handed off after commit, never lost, never run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from portal import outbox
from portal.choices import OutboxState
from portal.models import OutboxMessage

CALLS: list[dict] = []


@outbox.outbox_handler("tests.record")
def _record(payload: dict) -> None:
    if payload.get("fail"):
        raise RuntimeError("receiver down")
    CALLS.append(payload)


_queued: list[int] = []


@task()
def _queued_task(n: int) -> None:
    _queued.append(n)


@outbox.outbox_handler("tests.queue")
def _queue(payload: dict) -> None:
    _queued_task.enqueue(payload["n"])


@pytest.fixture(autouse=True)
def _fresh_calls(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    CALLS.clear()
    _queued.clear()


def test_a_rolled_back_change_owes_nothing(db, django_capture_on_commit_callbacks):
    def failing_change() -> None:
        with transaction.atomic():
            outbox.outbox_enqueue("tests.record", {"n": 1})
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_change()
    assert not OutboxMessage.objects.exists()
    assert CALLS == []


def test_a_committed_change_runs_its_side_effect_once_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.outbox_enqueue("tests.record", {"n": 1, "at": timezone.now()})
        assert CALLS == []  # nothing before commit
    assert [call["n"] for call in CALLS] == [1]
    message.refresh_from_db()
    assert message.state == OutboxState.DONE
    assert message.attempts == 1
    # Running it again (a duplicate queue entry, the command) does nothing.
    assert outbox.outbox_process(message.pk) == "skipped"
    call_command("process_outbox")
    assert len(CALLS) == 1


def test_a_failing_hand_off_is_logged_and_the_command_runs_it_later(
    db, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def queue_down(*args, **kwargs):
        raise OSError("database table is locked")

    original = outbox._claim
    monkeypatch.setattr(outbox, "_claim", queue_down)
    with (
        caplog.at_level(logging.ERROR, logger="portal.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = outbox.outbox_enqueue("tests.record", {"n": 2})
    assert "could not be run after commit" in caplog.text
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert CALLS == []
    monkeypatch.setattr(outbox, "_claim", original)
    call_command("process_outbox")
    message.refresh_from_db()
    assert message.state == OutboxState.DONE
    assert [call["n"] for call in CALLS] == [2]
    call_command("process_outbox")
    assert len(CALLS) == 1


def test_a_queue_that_refuses_the_task_leaves_the_message_pending_for_the_command(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    def queue_down(*args, **kwargs):
        raise OSError("database table is locked")

    with monkeypatch.context() as patched:
        patched.setattr(ImmediateBackend, "enqueue", queue_down)
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.outbox_enqueue("tests.queue", {"n": 5})
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert "database table is locked" in message.last_error
    outbox.outbox_process_due(now=message.available_at)
    message.refresh_from_db()
    assert message.state == OutboxState.DONE
    assert _queued == [5]


def test_a_failing_handler_is_retried_with_backoff_then_given_up(db, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = OutboxMessage.objects.create(kind="tests.record", payload={"fail": True})
    assert outbox.outbox_process(message.pk) == OutboxState.PENDING
    message.refresh_from_db()
    assert message.attempts == 1
    assert "receiver down" in message.last_error
    assert message.available_at > timezone.now()
    assert outbox.outbox_process(message.pk) == "skipped"  # not due yet
    assert outbox.outbox_process_due(now=message.available_at + timedelta(seconds=1)) == {
        OutboxState.FAILED: 1
    }
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.FAILED, 2)


def test_a_message_orphaned_by_a_dead_worker_is_taken_back(db):
    stuck = OutboxMessage.objects.create(
        kind="tests.record",
        payload={"n": 3},
        state=OutboxState.PROCESSING,
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    fresh = OutboxMessage.objects.create(
        kind="tests.record", payload={"n": 4}, state=OutboxState.PROCESSING, claimed_at=timezone.now()
    )
    outbox.outbox_process_due()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == OutboxState.DONE
    assert fresh.state == OutboxState.PROCESSING  # its worker may still be at it
    assert [call["n"] for call in CALLS] == [3]


def test_an_unknown_kind_is_refused_at_once(db):
    with pytest.raises(LookupError):
        outbox.outbox_enqueue("tests.nobody-handles-this", {})
