"""Small helpers shared by the compliance services."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: How far ahead of the server clock a stated time may be (clients' clocks drift).
CLOCK_SKEW = timedelta(minutes=5)


def local_time(value: datetime | None, zone: str) -> str:
    if value is None:
        return "no fixed time (without undue delay)"
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
