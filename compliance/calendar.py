"""The deadline feed: open obligations as an iCalendar document (RFC 5545)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from compliance.models import CalendarFeedToken, Obligation
from portal.audit import audit_record
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


def deadlines_calendar(obligations: Iterable[Obligation]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Incident compliance portal//deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Regulatory deadlines")
    stamp = timezone.now()
    for obligation in obligations:
        if obligation.due_at is None:
            continue
        incident = obligation.incident
        event = Event()
        event.add("uid", f"obligation-{obligation.pk}@{settings.SITE_URL.split('://', 1)[-1]}")
        event.add("dtstamp", stamp)
        event.add("dtstart", obligation.due_at)
        event.add("dtend", obligation.due_at + timedelta(minutes=15))
        event.add("summary", f"{obligation.code} due - {incident.reference}")
        event.add(
            "description",
            f"Notify {obligation.recipient} ({obligation.basis}).\n{obligation.rule}.\n"
            f"Incident {incident.reference}: {incident.title}",
        )
        event.add("url", f"{settings.SITE_URL}/compliance/obligations/{obligation.pk}/")
        event.add("categories", [obligation.regime])
        if obligation.provisional:
            event.add("status", "TENTATIVE")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{obligation.code} due in 4 hours")
        alarm.add("trigger", timedelta(hours=-4))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
