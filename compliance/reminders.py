"""Deadline reminders: 24 h and 4 h before a due time, and once overdue.

Each reminder is recorded before it is sent, under a unique constraint
(obligation, kind, due time): two overlapping runs cannot both claim it, and
a deadline that moves earns fresh reminders for its new time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from compliance.choices import ObligationStatus, ReminderKind
from compliance.models import Obligation, ObligationReminder
from compliance.tasks import send_deadline_reminder
from portal.outbox import outbox_enqueue, outbox_handler
from portal.timezones import zoned_time

#: kind -> how long before the due time it fires (overdue: after)
WINDOWS: dict[str, timedelta] = {
    ReminderKind.DUE_IN_24H: timedelta(hours=24),
    ReminderKind.DUE_IN_4H: timedelta(hours=4),
    ReminderKind.OVERDUE: timedelta(0),
}


REMINDER_MAIL = "compliance.deadline_reminder_mail"


@outbox_handler(REMINDER_MAIL)
def _send_reminder_mail(payload: dict[str, Any]) -> None:
    """Queued through the outbox after the claim committed: a queue that is down delays it, never loses it."""
    send_deadline_reminder.enqueue(payload["subject"], payload["body"], payload["recipients"])


@dataclass(frozen=True)
class ReminderRun:
    sent: int
    skipped: int


def reminder_recipients() -> list[str]:
    """Everyone who decides on obligations: compliance officers and administrators."""
    permission = Permission.objects.get(content_type__app_label="compliance", codename="change_obligation")
    users: QuerySet[Any] = get_user_model().objects.filter(is_active=True).exclude(email="")
    return sorted(
        set(
            users.filter(
                Q(groups__permissions=permission) | Q(user_permissions=permission) | Q(is_superuser=True)
            ).values_list("email", flat=True)
        )
    )


def _due_kinds(obligation: Obligation, now: datetime) -> list[str]:
    """The reminders this obligation has earned by now, most urgent first."""
    assert obligation.due_at is not None
    left = obligation.due_at - now
    if left <= timedelta(0):
        return [ReminderKind.OVERDUE, ReminderKind.DUE_IN_4H, ReminderKind.DUE_IN_24H]
    return [kind for kind in (ReminderKind.DUE_IN_4H, ReminderKind.DUE_IN_24H) if left <= WINDOWS[kind]]


def _message(obligation: Obligation, kind: str) -> tuple[str, str]:
    due_local = zoned_time(obligation.due_at, obligation.deadline_timezone)
    incident = obligation.incident
    prefix = "OVERDUE" if kind == ReminderKind.OVERDUE else "Due soon"
    subject = f"[{prefix}] {obligation.code} for {incident.reference} - due {due_local}"
    body = (
        f"{ReminderKind(kind).label}: {obligation.code} ({obligation.basis})\n"
        f"Notify: {obligation.recipient}\n"
        f"Due: {due_local} ({obligation.rule})\n"
        f"Incident: {incident.reference} - {incident.title}\n\n"
        f"{settings.SITE_URL}{reverse('compliance:obligation', args=[obligation.pk])}\n"
    )
    return subject, body


def send_deadline_reminders(*, now: datetime | None = None) -> ReminderRun:
    now = now or timezone.now()
    recipients = reminder_recipients()
    candidates = (
        Obligation.objects.filter(
            status=ObligationStatus.OPEN,
            due_at__isnull=False,
            due_at__lte=now + WINDOWS[ReminderKind.DUE_IN_24H],
        )
        .filter(incident__is_exercise=False)
        .select_related("incident")
    )
    sent = skipped = 0
    for obligation in candidates:
        claimed: list[str] = []
        # The claims and the mail they owe commit together (the outbox row), or not at all.
        with transaction.atomic():
            for kind in _due_kinds(obligation, now):
                try:
                    with transaction.atomic():
                        ObligationReminder.objects.create(
                            obligation=obligation, kind=kind, due_at=obligation.due_at, recipients=recipients
                        )
                    claimed.append(kind)
                except IntegrityError:
                    skipped += 1
            if not claimed or not recipients:
                continue
            # Only the most urgent of the reminders claimed in this run is mailed:
            # an obligation first seen 3 hours before its deadline gets one mail, not two.
            subject, body = _message(obligation, claimed[0])
            outbox_enqueue(REMINDER_MAIL, {"subject": subject, "body": body, "recipients": recipients})
        sent += 1
    return ReminderRun(sent=sent, skipped=skipped)
