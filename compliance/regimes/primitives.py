"""Deadline primitives: small, composable functions on aware datetimes.

Every function takes and returns *aware* instants. Results are returned in UTC so
that comparisons and arithmetic never depend on a zone (Python compares two
datetimes that share a tzinfo by wall time, which is wrong across a DST fold);
they are rendered in the deadline zone only at the edge (`render_instant`).

Local wall times that a rule constructs (end of day, 17:30 in New York, 12:00 on the
next working day, same date and time next month) are resolved deliberately:

* a *non-existent* wall time (inside a spring-forward gap) is normalised forward
  through the gap by the gap's length: 02:30 on the Berlin spring-forward day
  becomes 03:30 CEST. This is the instant `zoneinfo` gives for ``fold=0`` and what
  java.time does, so any other implementation built on those libraries agrees.
* an *ambiguous* wall time (inside a fall-back fold) takes its first occurrence,
  except for the end of a day: 23:59:59 names the last second of the local date,
  which is the later occurrence where a zone repeats the hour before midnight
  (e.g. America/Santiago, Africa/Cairo). In Europe and the US, 23:59:59 is never
  ambiguous, so this only matters for zones that change clocks at midnight.

Holiday calendars come from the `holidays` package (public holidays only, which
for `US` are the federal holidays and for `BR` the national ones) and are cached
per country and year; zones are cached per key.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays

END_OF_DAY = time(23, 59, 59)
NOON = time(12, 0)
SATURDAY = 5


@cache
def zone(key: str) -> ZoneInfo:
    """ZoneInfo for an IANA key; cached because construction parses tzdata."""
    return ZoneInfo(key)


@cache
def supported_holiday_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes for which the `holidays` package has a calendar."""
    return frozenset(code for code in holidays.list_supported_countries() if len(code) == 2)


def has_holiday_calendar(country: str | None) -> bool:
    """Whether `country` has a public-holiday calendar (unknown countries skip weekends only)."""
    return country is not None and country in supported_holiday_countries()


@cache
def holiday_dates(country: str, year: int) -> frozenset[date]:
    """Public holidays of `country` in `year` (observed days included, as the package lists them).

    A country the package does not know has no holidays: only weekends are skipped.
    """
    if not has_holiday_calendar(country):
        return frozenset()
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_working_day(day: date, country: str | None) -> bool:
    """Monday to Friday and not a public holiday of `country` (None: weekends only)."""
    if day.weekday() >= SATURDAY:
        return False
    return country is None or day not in holiday_dates(country, day.year)


def localize(wall_time: datetime, deadline_zone: ZoneInfo, *, ambiguous_later: bool = False) -> datetime:
    """Turn a naive local wall time into a UTC instant, resolving gaps and folds as documented above."""
    first = wall_time.replace(tzinfo=deadline_zone, fold=0)
    offset_first = first.utcoffset()
    second = wall_time.replace(tzinfo=deadline_zone, fold=1)
    if offset_first == second.utcoffset():
        return first.astimezone(UTC)
    as_utc = first.astimezone(UTC)
    exists = as_utc.astimezone(deadline_zone).replace(tzinfo=None) == wall_time
    if exists and ambiguous_later:
        return second.astimezone(UTC)
    return as_utc


def local_date(instant: datetime, deadline_zone: ZoneInfo) -> date:
    """The calendar date of `instant` on the wall clocks of `deadline_zone`."""
    return instant.astimezone(deadline_zone).date()


@lru_cache(maxsize=16384)
def end_of_local_day(day: date, deadline_zone: ZoneInfo) -> datetime:
    """23:59:59 local on `day` (the later occurrence if the zone repeats that second)."""
    return localize(datetime.combine(day, END_OF_DAY), deadline_zone, ambiguous_later=True)


@lru_cache(maxsize=16384)
def at_local_time(day: date, wall_clock: time, deadline_zone: ZoneInfo) -> datetime:
    """`wall_clock` on `day` in `deadline_zone`, gaps normalised forward, folds first occurrence."""
    return localize(datetime.combine(day, wall_clock), deadline_zone)


def after_hours(clock_start: datetime, hours: int) -> datetime:
    """Clock start + N elapsed hours on absolute time (RULES 1.1): DST moves the wall-clock answer."""
    return clock_start.astimezone(UTC) + timedelta(hours=hours)


def after_calendar_days(clock_start: datetime, days: int, deadline_zone: ZoneInfo) -> datetime:
    """End (23:59:59 local) of day N, the local date of the clock start being day 0 (RULES 1.2)."""
    return end_of_local_day(local_date(clock_start, deadline_zone) + timedelta(days=days), deadline_zone)


@lru_cache(maxsize=16384)
def nth_business_day(start_day: date, count: int, country: str | None) -> date:
    """The Nth working day after `start_day` (which itself is never counted); cached, as many
    incidents share a start day."""
    day = start_day
    remaining = count
    one_day = timedelta(days=1)
    while remaining > 0:
        day += one_day
        if is_working_day(day, country):
            remaining -= 1
    return day


def after_business_days(
    clock_start: datetime,
    days: int,
    deadline_zone: ZoneInfo,
    country: str | None,
    at: time | None = None,
) -> datetime:
    """End of the Nth business day after the clock start's local date (RULES 1.3).

    The day of the clock start is not counted, whether or not it is a working day;
    weekends and the public holidays of `country` are skipped. The deadline is
    23:59:59 local unless the regime names a time of day (`at`, e.g. SEC 17:30).
    """
    due_day = nth_business_day(local_date(clock_start, deadline_zone), days, country)
    if at is None:
        return end_of_local_day(due_day, deadline_zone)
    return at_local_time(due_day, at, deadline_zone)


def after_one_month(clock_start: datetime, deadline_zone: ZoneInfo) -> datetime:
    """Same local date and time in the next month, clamped to that month's last day (RULES 1.4)."""
    local = clock_start.astimezone(deadline_zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return localize(local.replace(tzinfo=None, fold=0, year=year, month=month, day=day), deadline_zone)


def after_end_of_year(clock_start: datetime, days: int, deadline_zone: ZoneInfo) -> datetime:
    """End of the Nth day after 31 December of the clock start's local year (HIPAA annual log)."""
    year_end = date(local_date(clock_start, deadline_zone).year, 12, 31)
    return end_of_local_day(year_end + timedelta(days=days), deadline_zone)


def earliest(*instants: datetime) -> datetime:
    """The earliest of several instants (e.g. DORA: classified + 4 h vs aware + 24 h)."""
    return min(instant.astimezone(UTC) for instant in instants)


def roll_to_next_working_day_noon(due: datetime, deadline_zone: ZoneInfo, country: str | None) -> datetime:
    """DORA weekend rule: a deadline on a Saturday, Sunday or public holiday moves to 12:00 of the
    next working day; a deadline on a working day is returned unchanged (in UTC)."""
    due_day = local_date(due, deadline_zone)
    if is_working_day(due_day, country):
        return due.astimezone(UTC)
    return at_local_time(nth_business_day(due_day, 1, country), NOON, deadline_zone)


@lru_cache(maxsize=16384)
def render_instant(instant: datetime | None, deadline_zone: ZoneInfo) -> str | None:
    """ISO 8601 with the deadline zone's offset, seconds precision (never `Z`).

    Cached: one assessment renders the same clock start and due times many times.
    """
    if instant is None:
        return None
    return instant.astimezone(deadline_zone).isoformat(timespec="seconds")
