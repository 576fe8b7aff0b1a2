"""One module per vendor: how it signs its webhooks and what its payloads say.

Each module offers ``verify(headers, body, secrets) -> bool`` and
``parse(payload, headers=..., body=...) -> VendorEvent``. Parsing is pure (no
database): it turns the vendor's JSON into a :class:`VendorEvent` in the
portal's words, or raises :class:`PayloadError` for a body that is not what
the vendor documents (HTTP 400). ``integrations.inbound`` applies the event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Protocol

from django.utils import timezone
from django.utils.dateparse import parse_datetime

MAX_TEXT = 10_000


class PayloadError(ValueError):
    """The body is not a payload this vendor documents."""


@dataclass(frozen=True)
class VendorIncident:
    """What the vendor tells about its incident (enough to create ours when ``title`` is set)."""

    external_id: str
    title: str = ""
    summary: str = ""
    url: str = ""
    number: str = ""
    service_name: str = ""
    #: Keys to look up in the severity mapping, most specific first (priority, then urgency).
    priority_keys: tuple[str, ...] = ()
    created_at: datetime | None = None
    #: When the vendor says it was acknowledged, if the payload tells (Squadcast's timeline).
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class VendorEvent:
    event_id: str
    event_type: str
    #: A ``VendorChange`` value, or None for an event type the portal does not act on.
    change: str | None
    occurred_at: datetime | None
    incident: VendorIncident | None
    note: str = ""
    author: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


class Vendor(Protocol):
    LABEL: str

    def verify(self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> bool: ...

    def parse(self, payload: Any, *, headers: Mapping[str, str], body: bytes) -> VendorEvent: ...


# --- helpers for the vendor modules --------------------------------------------------------------------


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be a JSON object.")
    return value


def optional_obj(value: Any, where: str) -> dict[str, Any]:
    return {} if value is None else obj(value, where)


def text(value: Any, where: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PayloadError(f"{where} must be a string.")
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise PayloadError(f"{where} is required.")
    return value[:limit]


def iso_time(value: Any, where: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 instant with its offset (nanosecond fractions are cut to microseconds)."""
    if value in (None, ""):
        if required:
            raise PayloadError(f"{where} is required.")
        return None
    if not isinstance(value, str) or len(value) > 64 or "\x00" in value:
        raise PayloadError(f"{where} must be an ISO 8601 date and time.")
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise PayloadError(f"{where} must be an ISO 8601 date and time.")
    if timezone.is_naive(parsed):
        raise PayloadError(f"{where} needs a time-zone offset (e.g. Z).")
    if parsed.year < 2000:
        # Squadcast sends 0001-01-01T00:00:00Z for "never".
        return None
    return parsed


def utc_time(value: Any, where: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, as ServiceNow's Table API gives internal values."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise PayloadError(f"{where} must be a date and time.")
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise PayloadError(f"{where} must be a date and time (YYYY-MM-DD HH:MM:SS, UTC).")
    return parsed.replace(tzinfo=UTC) if timezone.is_naive(parsed) else parsed


def epoch_time(value: Any, where: str) -> datetime | None:
    """Seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart by size."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{where} must be a number (time since the epoch).")
    number = float(value)
    for divisor in (1, 1e3, 1e6, 1e9):
        seconds = number / divisor
        if seconds < 4_102_444_800:  # 2100-01-01
            break
    if seconds <= 0:
        raise PayloadError(f"{where} is not a time.")
    return datetime.fromtimestamp(seconds, tz=UTC)


def body_digest(body: bytes) -> str:
    """An event id for vendors that send none: a redelivery repeats the body byte for byte."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def vendor_for(kind: str) -> ModuleType:
    from integrations.vendors import generic, opsgenie, pagerduty, servicenow, squadcast

    modules: dict[str, ModuleType] = {
        "pagerduty": pagerduty,
        "squadcast": squadcast,
        "servicenow": servicenow,
        "opsgenie": opsgenie,
        "generic": generic,
    }
    return modules[kind]
