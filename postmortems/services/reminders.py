"""Reminders to the owners of action items that are due soon or overdue."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from portal.audit import audit_record
from portal.outbox import outbox_enqueue, outbox_handler
from portal.users import display_name
from postmortems.choices import ReminderKind
from postmortems.models import ActionItem, ActionItemReminder
from postmortems.selectors import action_items_needing_reminders, action_items_visible_to

logger = logging.getLogger(__name__)


def _reminder_message(item: ActionItem, kind: str, today: date) -> EmailMessage:
    owner = item.owner
    assert owner is not None
    # The owner may have lost access since (left the response team): then say no more than the id.
    visible = action_items_visible_to(owner).filter(pk=item.pk).exists()
    days = (item.due_date - today).days if item.due_date else 0
    context = {
        "item": item if visible else None,
        "item_id": item.pk,
        "owner_name": display_name(owner),
        "overdue": kind == ReminderKind.OVERDUE,
        "due_date": item.due_date,
        "days": abs(days),
        "url": f"{settings.SITE_URL}/api/v1/action-items/{item.pk}/",
    }
    what = f"“{item.title}”" if visible else f"#{item.pk}"
    state = "is overdue" if kind == ReminderKind.OVERDUE else f"is due on {item.due_date:%Y-%m-%d}"
    subject = " ".join(f"Action item {what} {state}".split())[:200]
    body = render_to_string("postmortems/email/action_item_reminder.txt", context)
    return EmailMessage(subject=subject, body=body, to=[owner.email])


def _deliver(message: EmailMessage, reminder_id: int) -> None:
    """Runs after commit. A failed send gives the claim back so that the next run retries."""
    try:
        message.send()
    except Exception:
        logger.exception("Sending action item reminder %s failed; it will be retried", reminder_id)
        ActionItemReminder.objects.filter(pk=reminder_id).delete()


REMINDER_MAIL = "postmortems.action_item_reminder_mail"


@outbox_handler(REMINDER_MAIL)
def _deliver_after_commit(payload: dict[str, Any]) -> None:
    reminder = (
        ActionItemReminder.objects.select_related("action_item__owner").filter(pk=payload["reminder"]).first()
    )
    if reminder is None or reminder.action_item.owner is None:
        return  # the claim was given back or the item lost its owner since
    today = date.fromisoformat(payload["today"])
    _deliver(_reminder_message(reminder.action_item, reminder.kind, today), reminder.pk)


def action_item_send_reminder(item: ActionItem, kind: str, today: date) -> ActionItemReminder | None:
    """Claim the reminder (the unique constraint lets only one run succeed) and send it after commit."""
    owner = item.owner
    if owner is None or not owner.email or item.due_date is None:
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                reminder = ActionItemReminder.objects.create(
                    action_item=item, kind=kind, due_date=item.due_date, recipient=owner, email=owner.email
                )
        except IntegrityError:
            return None
        audit_record(
            action="actionitem.reminder_sent",
            actor=None,
            obj=item,
            changes={"kind": kind, "due_date": item.due_date, "to": owner.get_username()},
        )
        outbox_enqueue(REMINDER_MAIL, {"reminder": reminder.pk, "today": today})
    return reminder


def action_item_send_reminders(*, today: date | None = None) -> list[ActionItemReminder]:
    """Remind owners of items due within three days, and of overdue items; each reminder once
    per item, kind and due date (a new due date earns new reminders)."""
    today = today or timezone.localdate()
    sent = []
    for item in action_items_needing_reminders(today):
        assert item.due_date is not None
        kind = ReminderKind.OVERDUE if item.due_date < today else ReminderKind.DUE_SOON
        reminder = action_item_send_reminder(item, kind, today)
        if reminder is not None:
            sent.append(reminder)
    return sent
