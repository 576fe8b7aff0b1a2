"""Due-date events (``manage.py emit_due_events``, run by cron every few minutes).

``obligation.due_soon`` (open obligation due within ``DUE_SOON``),
``obligation.overdue`` and ``action_item.overdue`` go out once per object
and due time: an ``EmittedDueEvent`` row is claimed under a unique
constraint in the transaction that emits, so overlapping runs cannot both
send it, and a due time that moves earns a fresh event. Exercises are left
out, as they are from the regulatory clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.choices import ObligationStatus
from compliance.models import Obligation
from integrations.choices import WebhookEvent
from integrations.models import EmittedDueEvent
from integrations.outbound import emit
from postmortems.choices import ACTION_ITEM_OPEN_STATUSES
from postmortems.models import ActionItem

DUE_SOON = timedelta(hours=24)


@dataclass(frozen=True)
class DueRun:
    emitted: int
    already: int


def _claim_and_emit(
    event_type: str, object_id: Any, due: datetime | date, data: dict[str, Any], *, restricted: bool
) -> bool:
    try:
        with transaction.atomic():
            EmittedDueEvent.objects.create(
                event_type=event_type, object_id=str(object_id), due_key=due.isoformat()
            )
            emit(event_type, data, restricted=restricted)
    except IntegrityError:
        return False
    return True


def _obligations(now: datetime) -> list[tuple[str, Any, datetime, dict[str, Any], bool]]:
    due: list[tuple[str, Any, datetime, dict[str, Any], bool]] = []
    candidates = (
        Obligation.objects.filter(
            status=ObligationStatus.OPEN, due_at__isnull=False, due_at__lte=now + DUE_SOON
        )
        .filter(incident__is_exercise=False)
        .select_related("incident", "entity")
        .order_by("due_at", "pk")
    )
    for obligation in candidates.iterator(chunk_size=500):
        due_at = obligation.due_at
        if due_at is None:  # excluded by the query; this only tells the type checker
            continue
        event_type = WebhookEvent.OBLIGATION_OVERDUE if due_at <= now else WebhookEvent.OBLIGATION_DUE_SOON
        incident = obligation.incident
        data: dict[str, Any] = {
            "id": obligation.pk,
            "code": obligation.code,
            "regime": obligation.regime,
            "recipient": obligation.recipient,
            "entity": obligation.entity.name,
            "due_at": due_at,
            "incident": {"id": incident.pk, "reference": incident.reference},
        }
        due.append((event_type, obligation.pk, due_at, data, incident.is_restricted))
    return due


def _action_items(today: date) -> list[tuple[str, Any, date, dict[str, Any], bool]]:
    due: list[tuple[str, Any, date, dict[str, Any], bool]] = []
    candidates = (
        ActionItem.objects.filter(status__in=ACTION_ITEM_OPEN_STATUSES, due_date__lt=today)
        .select_related("postmortem", "owner", "incident")
        .order_by("due_date", "pk")
    )
    for item in candidates.iterator(chunk_size=500):
        due_date = item.due_date
        if due_date is None:  # excluded by the query; this only tells the type checker
            continue
        incident = item.incident
        data: dict[str, Any] = {
            "id": item.pk,
            "title": item.title,
            "status": item.status,
            "due_date": due_date,
            "owner": item.owner.get_username() if item.owner else None,
            "postmortem": {"id": item.postmortem_id, "reference": item.postmortem.reference},
            "incident": {"id": incident.pk, "reference": incident.reference} if incident else None,
        }
        restricted = bool(incident and incident.is_restricted)
        due.append((WebhookEvent.ACTION_ITEM_OVERDUE, item.pk, due_date, data, restricted))
    return due


def emit_due_events(*, now: datetime | None = None) -> DueRun:
    now = now or timezone.now()
    emitted = already = 0
    for event_type, object_id, due, data, restricted in [
        *_obligations(now),
        *_action_items(timezone.localdate(now)),
    ]:
        if _claim_and_emit(event_type, object_id, due, data, restricted=restricted):
            emitted += 1
        else:
            already += 1
    return DueRun(emitted=emitted, already=already)
