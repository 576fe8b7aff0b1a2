"""``send_action_item_reminders``: each reminder once, sent after commit."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import IncidentRole, RoleAssignment
from postmortems.choices import ActionItemStatus, ReminderKind
from postmortems.models import ActionItemReminder
from tests.factories import UserFactory
from tests.postmortems.factories import ActionItemFactory, start_postmortem


def _run(capture, **options) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("send_action_item_reminders", stdout=out, **options)
    return out.getvalue()


def test_owners_get_one_reminder_when_due_soon_and_one_when_overdue(
    postmortem, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    due_soon = ActionItemFactory(
        postmortem=postmortem, title="Rotate keys", due_date=today + timedelta(days=3)
    )
    overdue = ActionItemFactory(
        postmortem=postmortem,
        title="Add alert",
        due_date=today - timedelta(days=2),
        status=ActionItemStatus.IN_PROGRESS,
    )
    ActionItemFactory(postmortem=postmortem, due_date=today + timedelta(days=4))  # not yet
    ActionItemFactory(
        postmortem=postmortem,
        due_date=today - timedelta(days=2),
        status=ActionItemStatus.WONT_DO,
        wont_do_reason="Obsolete.",
        closed_at=timezone.now(),
    )
    ActionItemFactory(postmortem=postmortem, due_date=today, owner=None)
    ActionItemFactory(postmortem=postmortem, due_date=today, owner=UserFactory(email=""))

    assert "sent: 2" in _run(django_capture_on_commit_callbacks)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [due_soon.owner.email, overdue.owner.email]
    )
    by_owner = {message.to[0]: message for message in mail.outbox}
    assert by_owner[overdue.owner.email].subject == "Action item “Add alert” is overdue"
    assert "2 days overdue" in by_owner[overdue.owner.email].body
    assert "is due in 3 days" in by_owner[due_soon.owner.email].body
    assert postmortem.title in by_owner[due_soon.owner.email].body

    assert "sent: 0" in _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert ActionItemReminder.objects.count() == 2


def test_the_overdue_reminder_follows_the_due_soon_one_and_a_new_due_date_earns_new_ones(
    postmortem, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    item = ActionItemFactory(postmortem=postmortem, due_date=today + timedelta(days=1))
    _run(django_capture_on_commit_callbacks)
    _run(django_capture_on_commit_callbacks, today=(today + timedelta(days=1)).isoformat())  # due today
    assert len(mail.outbox) == 1
    _run(django_capture_on_commit_callbacks, today=(today + timedelta(days=2)).isoformat())
    assert [r.kind for r in ActionItemReminder.objects.order_by("id")] == [
        ReminderKind.DUE_SOON,
        ReminderKind.OVERDUE,
    ]
    item.due_date = today + timedelta(days=2)
    item.save(update_fields=["due_date"])
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3


def test_nothing_is_sent_when_the_transaction_does_not_commit(postmortem, django_capture_on_commit_callbacks):
    ActionItemFactory(postmortem=postmortem, due_date=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("send_action_item_reminders", stdout=StringIO())
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_database_refuses_a_second_claim_for_the_same_reminder(postmortem):
    item = ActionItemFactory(postmortem=postmortem, due_date=timezone.localdate())
    fields = {
        "action_item": item,
        "kind": ReminderKind.DUE_SOON,
        "due_date": item.due_date,
        "email": "a@b.example",
    }
    ActionItemReminder.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemReminder.objects.create(**fields)


def test_an_owner_who_lost_access_is_reminded_without_the_details(
    author, responder, restricted_resolved, django_capture_on_commit_callbacks
):
    postmortem = start_postmortem(author, [restricted_resolved])
    ActionItemFactory(
        postmortem=postmortem, owner=author, title="Secret detail", due_date=timezone.localdate()
    )
    RoleAssignment.objects.filter(
        incident=restricted_resolved, user=author, role=IncidentRole.objects.get(slug="technical-lead")
    ).update(ended_at=timezone.now())
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Secret detail" not in message.subject + message.body
    assert postmortem.title not in message.body


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError):
        call_command("send_action_item_reminders", today="tomorrow", stdout=StringIO())
