"""Calendar alarms before a deadline: parsed from what a person types, stored as minutes.

``"24h, 4h"``, ``"2d, 90m"`` or plain hours (``"24, 4"``); an empty text means
no alarms. Stored on the profile as a list of minutes, longest first.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

DEFAULT_ALARM_MINUTES = (24 * 60, 4 * 60)
MAX_ALARMS = 5
MAX_ALARM_MINUTES = 14 * 24 * 60
_UNITS = {"m": 1, "min": 1, "h": 60, "d": 24 * 60}
_TERM = re.compile(r"^(\d{1,5})\s*(m|min|h|d)?$", re.IGNORECASE)


def validate_alarm_minutes(value: Any) -> None:
    """The stored form: a list of distinct whole minutes, each 1 minute to 14 days."""
    if not isinstance(value, list) or len(value) > MAX_ALARMS:
        raise ValidationError(f"Give at most {MAX_ALARMS} alarms.")
    for minutes in value:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_ALARM_MINUTES:
            raise ValidationError("Each alarm goes off between 1 minute and 14 days before the deadline.")
    if len(set(value)) != len(value):
        raise ValidationError("Each alarm may be given once.")


def parse_alarms(text: str) -> list[int]:
    """``"24h, 4h"`` -> ``[1440, 240]``; a clear ``ValidationError`` naming the bad part otherwise."""
    minutes: list[int] = []
    for term in (part.strip() for part in text.split(",")):
        if not term:
            continue
        match = _TERM.match(term)
        if match is None:
            raise ValidationError(
                f"“{term[:20]}” is not a time before the deadline: write hours (24 or 24h), "
                "minutes (30m) or days (2d), separated by commas."
            )
        value = int(match.group(1)) * _UNITS[(match.group(2) or "h").lower()]
        if not 1 <= value <= MAX_ALARM_MINUTES:
            raise ValidationError(f"“{term}” is out of range: alarms go off 1 minute to 14 days before.")
        if value in minutes:
            raise ValidationError(f"“{term}” is given twice.")
        minutes.append(value)
    if len(minutes) > MAX_ALARMS:
        raise ValidationError(f"Give at most {MAX_ALARMS} alarms.")
    return sorted(minutes, reverse=True)


def format_alarms(minutes: list[int]) -> str:
    """``[1440, 240]`` -> ``"24h, 4h"`` (what the form shows)."""
    return ", ".join(f"{m // 60}h" if m % 60 == 0 else f"{m}m" for m in minutes)
