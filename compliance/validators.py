"""Validators for the identifiers compliance records carry."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError

from compliance.regimes import DESIGNATIONS

_LEI = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def lei_checksum_ok(lei: str) -> bool:
    """ISO 17442: the 20 characters, letters as 10..35, are 1 modulo 97 (ISO 7064 MOD 97-10)."""
    digits = "".join(str(int(char, 36)) for char in lei)
    return int(digits) % 97 == 1


def validate_lei(value: str) -> None:
    if not _LEI.match(value):
        raise ValidationError("An LEI is 18 letters or digits followed by 2 check digits.")
    if not lei_checksum_ok(value):
        raise ValidationError("This LEI's check digits are wrong (ISO 17442).")


def validate_country(value: str) -> None:
    if not _COUNTRY.match(value):
        raise ValidationError("Use an ISO 3166-1 alpha-2 code such as DE.")


def validate_subdivision(value: str) -> None:
    if value and not _SUBDIVISION.match(value):
        raise ValidationError("Use an ISO 3166-2 code such as US-CA.")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _zones():
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"{value!r} is not an IANA time zone such as Europe/Berlin.") from None


def validate_designations(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("A list of designation codes.")
    unknown = sorted(set(value) - DESIGNATIONS)
    if unknown:
        raise ValidationError(f"Unknown designation(s): {', '.join(unknown)}.")


def validate_jurisdiction_counts(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError('An object of jurisdiction code -> number of people, e.g. {"US-CA": 120}.')
    for key, count in value.items():
        if not (_COUNTRY.match(key) or _SUBDIVISION.match(key)):
            raise ValidationError(f"{key!r} is not an ISO 3166 country or subdivision code.")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0 or count > 10**10:
            raise ValidationError(f"{key}: the count must be a whole number from 0.")
