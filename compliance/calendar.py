"""The deadline feed: open obligations as an iCalendar document (RFC 5545)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from compliance.models import CalendarFeedToken, Obligation
from portal.alarms import DEFAULT_ALARM_MINUTES, format_alarms
from portal.audit import audit_record
from portal.models import UserProfile
from portal.timezones import zoned_time
from portal.users import User


def feed_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def feed_token_rotate(*, user: User) -> str:
    """A new secret for the user's feed URL; the old URL stops working at once."""
    key = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"key_hash": feed_token_hash(key), "created_at": timezone.now()}
    )
    audit_record(action="calendar_feed.rotated", actor=user, obj=user)
    return key


def feed_user(key: str) -> User | None:
    token = CalendarFeedToken.objects.select_related("user").filter(key_hash=feed_token_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


def feed_alarms(user: User) -> list[int]:
    """The user's alarms (minutes before a deadline), the defaults when no profile was saved."""
    stored = UserProfile.objects.filter(user=user).values_list("deadline_alarms", flat=True).first()
    return list(DEFAULT_ALARM_MINUTES) if stored is None else list(stored)


def _alarm(obligation: Obligation, minutes: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{obligation.code} due in {format_alarms([minutes])}")
    alarm.add("trigger", timedelta(minutes=-minutes))
    return alarm


def deadlines_calendar(obligations: Iterable[Obligation], *, alarms: Sequence[int] = DEFAULT_ALARM_MINUTES) -> bytes:
    """One event per obligation: at its due time, or, for an urgent one without a fixed time,
    at its clock start titled URGENT (it is owed now). ``alarms`` are minutes before a due time;
    an urgent event gets none, since every moment before its start has passed."""
    calendar = Calendar()
    calendar.add("prodid", "-//Incident compliance portal//deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Regulatory deadlines")
    stamp = timezone.now()
    host = settings.SITE_URL.split("://", 1)[-1]
    for obligation in obligations:
        start = obligation.due_at or obligation.clock_start or obligation.created_at
        incident = obligation.incident
        event = Event()
        event.add("uid", f"obligation-{obligation.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=15))
        if obligation.due_at is not None:
            event.add("summary", f"{obligation.code} due - {incident.reference}")
            due = f"Due {zoned_time(obligation.due_at, obligation.deadline_timezone)}."
        else:
            event.add("summary", f"URGENT: {obligation.code} without undue delay - {incident.reference}")
            due = "No fixed time: notify without undue delay (shown at the clock start)."
            event.add("priority", 1)
        event.add(
            "description",
            f"Notify {obligation.recipient} ({obligation.basis}).\n{obligation.rule}.\n{due}\n"
            f"Incident {incident.reference}: {incident.title}",
        )
        event.add("url", f"{settings.SITE_URL}{reverse('compliance:obligation', args=[obligation.pk])}")
        event.add("categories", [obligation.regime])
        if obligation.provisional:
            event.add("status", "TENTATIVE")
        if obligation.due_at is not None:
            for minutes in alarms:
                event.add_component(_alarm(obligation, minutes))
        calendar.add_component(event)
    return calendar.to_ical()
