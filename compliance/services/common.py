"""Small helpers shared by the compliance services."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

#: How far ahead of the server clock a stated time may be (clients' clocks drift).
CLOCK_SKEW = timedelta(minutes=5)


def local_time(value: datetime | None, zone: str) -> str:
    if value is None:
        return "no fixed time (without undue delay)"
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def step_time(at: datetime | None, *, earliest: datetime | None) -> datetime:
    """When a step happens: now, or the stated time of a record entered late (never in the
    future, never before the step it follows)."""
    now = timezone.now()
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": "This time is in the future."})
    if earliest is not None and at < earliest:
        raise ValidationError({"at": "A step cannot come before the previous one."})
    return at
