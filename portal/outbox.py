"""Side effects that never turn a committed change into an error, and are never lost.

A service that owes a side effect (a mail, a webhook delivery, a task) calls
``outbox_enqueue(kind, payload)`` inside its transaction. That writes an
``OutboxMessage`` row with the change itself, and right after commit runs
it once in the same process: its handler sends the mail or puts the task
on the queue. If that fails (queue table locked, backend down, SMTP away),
the failure is logged and the request still answers with its result: the
row stays ``pending`` and ``manage.py process_outbox`` (run by cron or as a
service, see README) retries it with backoff.

Running a message claims it first: under a row lock, ``pending`` becomes
``processing`` with the attempt counted, so two workers (or the queue and the
command) never both run it. A handler that raises is retried with backoff up
to ``OUTBOX_MAX_ATTEMPTS``; a message stuck in ``processing`` (its worker
died) is taken back after ``STUCK_AFTER``.

Handlers are registered per kind with ``@outbox_handler("app.what")`` in
the module that owns the side effect; they receive the JSON payload and must
be safe to run once more if a worker dies between doing and recording.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from portal.choices import OutboxState
from portal.models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], object]
_handlers: dict[str, Handler] = {}

#: A message "processing" for longer than this was orphaned by a dead worker.
STUCK_AFTER = timedelta(minutes=15)
RETRY_BASE = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10))


def outbox_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that carries out messages of ``kind``."""

    def register(function: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and existing is not function:
            raise ValueError(f"Outbox kind {kind!r} already has a handler")
        _handlers[kind] = function
        return function

    return register


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def _json(payload: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def outbox_enqueue(
    kind: str, payload: dict[str, Any] | None = None, *, available_at: datetime | None = None
) -> OutboxMessage:
    """Record the side effect in the caller's transaction; hand it to the queue after commit."""
    if kind not in _handlers:
        raise LookupError(f"No outbox handler for {kind!r}")
    message = OutboxMessage.objects.create(
        kind=kind, payload=_json(payload or {}), available_at=available_at or timezone.now()
    )
    transaction.on_commit(partial(_hand_off, message.pk), robust=True)
    return message


def _hand_off(message_id: int) -> None:
    """After commit, in the same process: run the message once (its handler sends the mail or
    queues the task). Whatever fails is logged and left to ``process_outbox``; never raised."""
    try:
        outbox_process(message_id)
    except Exception:
        logger.exception(
            "Outbox message %s could not be run after commit; `manage.py process_outbox` will run it",
            message_id,
        )


@task()
def process_outbox_message(message_id: int) -> str:
    """The queued form of ``outbox_process`` (``manage.py db_worker``)."""
    return outbox_process(message_id)


def _claim(message_id: int, now: datetime) -> OutboxMessage | None:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.state != OutboxState.PENDING or message.available_at > now:
            return None
        message.state = OutboxState.PROCESSING
        message.attempts += 1
        message.claimed_at = now
        message.save(update_fields=["state", "attempts", "claimed_at"])
        return message


def _backoff(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def outbox_process(message_id: int, *, now: datetime | None = None) -> str:
    """Run one message if it is due and nobody else has it; returns its state afterwards."""
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "skipped"
    handler = _handlers.get(message.kind)
    error = ""
    if handler is None:
        error = f"No handler is registered for {message.kind!r}."
    else:
        try:
            handler(message.payload)
        except Exception as exc:
            logger.exception("Outbox message %s (%s) failed", message.pk, message.kind)
            error = f"{type(exc).__name__}: {exc}"[:2000]
    finished = max(timezone.now(), now)
    if not error:
        message.state = OutboxState.DONE
        message.finished_at = finished
    elif message.attempts >= max_attempts():
        message.state = OutboxState.FAILED
        message.finished_at = finished
    else:
        message.state = OutboxState.PENDING
        message.available_at = finished + _backoff(message.attempts)
    message.last_error = error
    message.save(update_fields=["state", "finished_at", "available_at", "last_error"])
    return message.state


def outbox_process_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """One pass of ``manage.py process_outbox``: every due message, oldest first."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(state=OutboxState.PROCESSING, claimed_at__lt=now - STUCK_AFTER).update(
        state=OutboxState.PENDING
    )
    due = OutboxMessage.objects.filter(state=OutboxState.PENDING, available_at__lte=now).order_by("pk")
    counts: dict[str, int] = {}
    for message_id in list(due.values_list("pk", flat=True)[:limit]):
        outcome = outbox_process(message_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
