"""Properties of the primitives and the engine, checked with hypothesis.

Settings keep the whole module to a few seconds and write no example database.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.regimes import DESIGNATIONS, assess_json
from compliance.regimes.primitives import (
    after_business_days,
    after_calendar_days,
    after_end_of_year,
    after_hours,
    after_one_month,
    is_working_day,
    local_date,
    roll_to_next_working_day_noon,
    zone,
)

FAST = settings(max_examples=120, deadline=None, database=None)
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Santiago",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Africa/Cairo",
)
COUNTRIES = (None, "US", "BR", "DE", "FR", "GB", "IN")
# Deadlines are shown to the second; a DST fold or gap can reorder wall-clock results by its length.
LARGEST_DST_SHIFT = timedelta(hours=1)

zones = st.sampled_from(ZONES).map(zone)
countries = st.sampled_from(COUNTRIES)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda instant: instant.replace(microsecond=0))
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda quarters: timezone(timedelta(minutes=15 * quarters))
)


def deadlines(start: datetime, deadline_zone: ZoneInfo, country: str | None, amount: int) -> list[datetime]:
    return [
        after_hours(start, amount),
        after_calendar_days(start, amount, deadline_zone),
        after_business_days(start, amount, deadline_zone, country),
        after_end_of_year(start, amount, deadline_zone),
    ]


@FAST
@given(start=instants, deadline_zone=zones, country=countries, amount=st.integers(min_value=1, max_value=90))
def test_no_deadline_comes_before_its_clock_start(
    start: datetime, deadline_zone: ZoneInfo, country: str | None, amount: int
) -> None:
    for due in [
        *deadlines(start, deadline_zone, country, amount),
        after_one_month(start, deadline_zone),
        roll_to_next_working_day_noon(start, deadline_zone, country),
    ]:
        assert due >= start
        assert due.tzinfo is not None


@FAST
@given(start=instants, deadline_zone=zones, country=countries, amount=st.integers(min_value=1, max_value=60))
def test_business_days_never_end_on_a_weekend_or_holiday(
    start: datetime, deadline_zone: ZoneInfo, country: str | None, amount: int
) -> None:
    due = after_business_days(start, amount, deadline_zone, country)
    assert is_working_day(local_date(due, deadline_zone), country)
    rolled = roll_to_next_working_day_noon(start, deadline_zone, country)
    assert is_working_day(local_date(rolled, deadline_zone), country)


@FAST
@given(
    first=instants,
    delay=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    deadline_zone=zones,
    country=countries,
    amount=st.integers(min_value=1, max_value=30),
)
def test_a_later_clock_start_never_gives_an_earlier_due(
    first: datetime, delay: timedelta, deadline_zone: ZoneInfo, country: str | None, amount: int
) -> None:
    second = first + delay
    for earlier_due, later_due in zip(
        deadlines(first, deadline_zone, country, amount),
        deadlines(second, deadline_zone, country, amount),
        strict=True,
    ):
        assert earlier_due <= later_due
    # "Same local date and time next month" keeps wall times: a start inside a DST fold (or a result
    # pushed through a gap) may come back up to the size of that shift earlier, and clamping to the month
    # end maps several days to one (see the test below), so only unclamped days are compared.
    if max(local_date(first, deadline_zone).day, local_date(second, deadline_zone).day) <= 28:
        assert (
            after_one_month(first, deadline_zone)
            <= after_one_month(second, deadline_zone) + LARGEST_DST_SHIFT
        )


def test_clamping_to_the_month_end_is_the_documented_exception_for_one_month() -> None:
    berlin = zone("Europe/Berlin")
    late_on_the_30th = datetime(2026, 1, 30, 23, 0, tzinfo=berlin)
    early_on_the_31st = datetime(2026, 1, 31, 1, 0, tzinfo=berlin)
    assert after_one_month(late_on_the_30th, berlin) > after_one_month(early_on_the_31st, berlin)


def test_the_dora_weekend_rule_is_the_documented_exception_to_monotonicity() -> None:
    berlin = zone("Europe/Berlin")
    sunday_night = datetime(2026, 10, 4, 23, 0, tzinfo=berlin)
    monday_morning = datetime(2026, 10, 5, 10, 0, tzinfo=berlin)
    assert roll_to_next_working_day_noon(sunday_night, berlin, "DE") > roll_to_next_working_day_noon(
        monday_morning, berlin, "DE"
    )


@st.composite
def fact_sets(draw: st.DrawFn) -> dict[str, Any]:
    aware_at = draw(instants)

    def stamp(after: timedelta) -> str:
        return (aware_at + after).astimezone(draw(offsets)).isoformat()

    later = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60))
    times = {"aware_at": stamp(timedelta(0))}
    for name in (
        "classified_major_at",
        "materiality_determined_at",
        "incident_determined_at",
        "notifiable_assessed_at",
        "ransom_paid_at",
        "handling_ended_at",
    ):
        if draw(st.booleans()):
            times[name] = stamp(draw(later))
    submitted = {
        code: stamp(draw(later))
        for code in draw(
            st.lists(
                st.sampled_from(
                    [
                        "NIS2/notification",
                        "DORA/initial",
                        "DORA/intermediate",
                        "LGPD/anpd",
                        "CA-1798.82/residents",
                        "GDPR/supervisory-authority",
                    ]
                ),
                max_size=3,
                unique=True,
            )
        )
    }
    return {
        "entity": {
            "country": draw(st.sampled_from([code for code in COUNTRIES if code is not None])),
            "timezone": draw(st.sampled_from(ZONES)),
            "designations": draw(st.lists(st.sampled_from(sorted(DESIGNATIONS)), max_size=6, unique=True)),
        },
        "times": times,
        "personal_data": {
            "involved": draw(st.booleans()),
            "risk": draw(st.sampled_from([None, "none", "low", "risk", "medium", "high"])),
            "subjects": draw(st.integers(min_value=0, max_value=3000)),
            "by_jurisdiction": draw(
                st.dictionaries(
                    st.sampled_from(["US-CA", "US-TX", "US-NY", "FR"]),
                    st.integers(min_value=0, max_value=1500),
                    max_size=3,
                )
            ),
            "phi": draw(st.booleans()),
            "unsecured": draw(st.booleans()),
        },
        "significant": draw(st.booleans()),
        "major": draw(st.booleans()),
        "material": draw(st.booleans()),
        "submitted": submitted,
    }


@FAST
@given(document=fact_sets())
def test_engine_output_is_ordered_json_with_dues_after_their_clock_starts(document: dict[str, Any]) -> None:
    result = assess_json(document, explain=True)
    assert json.loads(json.dumps(result)) == result
    assert assess_json(document)["obligations"] == result["obligations"], "explaining must change nothing"
    previous_due: datetime | None = None
    seen_null = False
    for obligation in result["obligations"]:
        assert obligation["urgent"] is (obligation["due_at"] is None)
        if obligation["due_at"] is None:
            seen_null = True
            continue
        assert not seen_null, "obligations without a due time come last"
        due = datetime.fromisoformat(obligation["due_at"])
        assert due.tzinfo is not None
        assert "Z" not in obligation["due_at"]
        if obligation["clock_start"] is not None:
            assert due >= datetime.fromisoformat(obligation["clock_start"])
        if previous_due is not None:
            assert due >= previous_due
        previous_due = due
