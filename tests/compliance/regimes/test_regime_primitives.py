"""Deadline primitives at their edges: DST, month and year ends, holidays, 23:59:59.

Instants are compared through `render_instant`, i.e. as the strings the API shows.
2026 DST changes: Europe 29 Mar (02:00 -> 03:00) and 25 Oct (03:00 -> 02:00);
US 8 Mar (02:00 -> 03:00) and 1 Nov (02:00 -> 01:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from compliance.regimes.primitives import (
    after_business_days,
    after_calendar_days,
    after_end_of_year,
    after_hours,
    after_one_month,
    earliest,
    holiday_dates,
    is_working_day,
    localize,
    nth_business_day,
    render_instant,
    roll_to_next_working_day_noon,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def shown(instant: datetime, deadline_zone: ZoneInfo) -> str | None:
    return render_instant(instant, deadline_zone)


class TestHours:
    def test_it_counts_elapsed_hours_across_the_european_spring_forward(self) -> None:
        due = after_hours(at("2026-03-27T16:30:00+01:00"), 72)
        assert shown(due, BERLIN) == "2026-03-30T17:30:00+02:00"

    def test_it_counts_elapsed_hours_across_the_european_fall_back(self) -> None:
        due = after_hours(at("2026-10-23T12:00:00+02:00"), 72)
        assert shown(due, BERLIN) == "2026-10-26T11:00:00+01:00"

    def test_it_counts_elapsed_hours_across_the_us_spring_forward(self) -> None:
        due = after_hours(at("2026-03-07T12:00:00-05:00"), 24)
        assert shown(due, NEW_YORK) == "2026-03-08T13:00:00-04:00"

    def test_it_counts_elapsed_hours_across_the_us_fall_back(self) -> None:
        due = after_hours(at("2026-10-31T12:00:00-04:00"), 24)
        assert shown(due, NEW_YORK) == "2026-11-01T11:00:00-05:00"

    def test_the_offset_of_the_input_does_not_matter(self) -> None:
        assert after_hours(at("2026-03-27T15:30:00Z"), 6) == after_hours(at("2026-03-27T21:00:00+05:30"), 6)

    def test_the_result_is_in_utc(self) -> None:
        assert after_hours(at("2026-03-27T16:30:00+01:00"), 1).tzinfo is UTC


class TestCalendarDays:
    def test_day_zero_is_the_local_date_of_the_clock_start(self) -> None:
        due = after_calendar_days(at("2026-03-27T23:30:00+01:00"), 3, BERLIN)
        assert shown(due, BERLIN) == "2026-03-30T23:59:59+02:00"

    def test_the_local_date_is_taken_in_the_deadline_zone(self) -> None:
        # 23:30 UTC on 27 March is already 28 March in Berlin: day 0 is the 28th.
        due = after_calendar_days(at("2026-03-27T23:30:00+00:00"), 3, BERLIN)
        assert shown(due, BERLIN) == "2026-03-31T23:59:59+02:00"

    def test_a_clock_start_at_235959_is_still_day_zero(self) -> None:
        due = after_calendar_days(at("2026-05-10T23:59:59+02:00"), 1, BERLIN)
        assert shown(due, BERLIN) == "2026-05-11T23:59:59+02:00"

    def test_a_clock_start_at_midnight_starts_a_new_day_zero(self) -> None:
        due = after_calendar_days(at("2026-05-11T00:00:00+02:00"), 1, BERLIN)
        assert shown(due, BERLIN) == "2026-05-12T23:59:59+02:00"

    def test_zero_days_is_the_end_of_the_same_day(self) -> None:
        due = after_calendar_days(at("2026-05-11T08:00:00+02:00"), 0, BERLIN)
        assert shown(due, BERLIN) == "2026-05-11T23:59:59+02:00"

    def test_sixty_days_across_the_us_spring_forward(self) -> None:
        due = after_calendar_days(at("2026-01-10T11:00:00-05:00"), 60, NEW_YORK)
        assert shown(due, NEW_YORK) == "2026-03-11T23:59:59-04:00"

    def test_weekends_and_holidays_do_not_move_calendar_days(self) -> None:
        # 2 + 30 days = 1 January 2027, a holiday: still due then.
        due = after_calendar_days(at("2026-12-02T09:00:00-05:00"), 30, NEW_YORK)
        assert shown(due, NEW_YORK) == "2027-01-01T23:59:59-05:00"

    def test_it_crosses_a_leap_day(self) -> None:
        due = after_calendar_days(at("2028-02-01T09:00:00+01:00"), 28, BERLIN)
        assert shown(due, BERLIN) == "2028-02-29T23:59:59+01:00"

    def test_the_end_of_a_day_that_repeats_its_last_hour_is_the_later_occurrence(self) -> None:
        # Chile leaves DST at 24:00 on Saturday 4 April 2026: 23:00-23:59:59 happens twice.
        santiago = zone("America/Santiago")
        due = after_calendar_days(at("2026-04-03T12:00:00-03:00"), 1, santiago)
        assert shown(due, santiago) == "2026-04-04T23:59:59-04:00"


class TestBusinessDays:
    def test_a_clock_start_late_on_friday_counts_from_monday(self) -> None:
        # Memorial Day (Monday 25 May 2026) is skipped too.
        due = after_business_days(at("2026-05-22T23:30:00-04:00"), 1, NEW_YORK, "US")
        assert shown(due, NEW_YORK) == "2026-05-26T23:59:59-04:00"

    def test_the_day_of_the_clock_start_is_not_counted_even_at_one_second_past_midnight(self) -> None:
        due = after_business_days(at("2026-06-02T00:00:01-03:00"), 1, SAO_PAULO, "BR")
        assert shown(due, SAO_PAULO) == "2026-06-03T23:59:59-03:00"

    def test_holidays_on_both_sides_of_a_weekend_are_skipped(self) -> None:
        # Good Friday 3 April and Easter Monday 6 April 2026 are German national holidays.
        due = after_business_days(at("2026-04-02T10:00:00+02:00"), 1, BERLIN, "DE")
        assert shown(due, BERLIN) == "2026-04-07T23:59:59+02:00"

    def test_a_clock_start_on_a_saturday_counts_from_monday(self) -> None:
        due = after_business_days(at("2026-06-06T10:00:00-03:00"), 1, SAO_PAULO, "BR")
        assert shown(due, SAO_PAULO) == "2026-06-08T23:59:59-03:00"

    def test_it_crosses_the_year_end_and_new_year_holiday(self) -> None:
        # Thursday 31 Dec 2026 + 1: Friday 1 Jan 2027 is a federal holiday, so Monday 4 Jan.
        due = after_business_days(at("2026-12-31T09:00:00-05:00"), 1, NEW_YORK, "US")
        assert shown(due, NEW_YORK) == "2027-01-04T23:59:59-05:00"

    def test_an_observed_holiday_is_skipped(self) -> None:
        # 4 July 2026 is a Saturday; the federal holiday is observed on Friday 3 July.
        due = after_business_days(at("2026-07-02T09:00:00-04:00"), 1, NEW_YORK, "US")
        assert shown(due, NEW_YORK) == "2026-07-06T23:59:59-04:00"

    def test_a_fixed_time_of_day_across_the_us_spring_forward(self) -> None:
        # Thursday 5 March 2026 + 4: Fri 6, Mon 9, Tue 10, Wed 11 March, 17:30 EDT.
        due = after_business_days(at("2026-03-05T10:00:00-05:00"), 4, NEW_YORK, "US", at=time(17, 30))
        assert shown(due, NEW_YORK) == "2026-03-11T17:30:00-04:00"

    def test_without_a_country_only_weekends_are_skipped(self) -> None:
        due = after_business_days(at("2026-04-02T10:00:00+02:00"), 1, BERLIN, None)
        assert shown(due, BERLIN) == "2026-04-03T23:59:59+02:00"

    def test_business_days_are_never_weekends_or_holidays(self) -> None:
        for count in range(1, 40):
            day = nth_business_day(date(2026, 12, 18), count, "US")
            assert day.weekday() < 5
            assert day not in holiday_dates("US", day.year)


class TestOneMonth:
    @pytest.mark.parametrize(
        ("start", "expected"),
        [
            ("2026-01-31T10:00:00+01:00", "2026-02-28T10:00:00+01:00"),
            ("2028-01-31T10:00:00+01:00", "2028-02-29T10:00:00+01:00"),
            ("2026-03-31T10:00:00+02:00", "2026-04-30T10:00:00+02:00"),
            ("2026-12-15T10:00:00+01:00", "2027-01-15T10:00:00+01:00"),
            ("2026-12-31T23:59:59+01:00", "2027-01-31T23:59:59+01:00"),
        ],
    )
    def test_same_local_date_and_time_clamped_to_the_month_end(self, start: str, expected: str) -> None:
        assert shown(after_one_month(at(start), BERLIN), BERLIN) == expected

    def test_it_keeps_the_wall_time_across_a_dst_change(self) -> None:
        due = after_one_month(at("2026-03-15T12:00:00+01:00"), BERLIN)
        assert shown(due, BERLIN) == "2026-04-15T12:00:00+02:00"

    def test_a_non_existent_european_wall_time_moves_forward_through_the_gap(self) -> None:
        # 02:30 on 28 March 2027 does not exist in Berlin: it becomes 03:30 CEST.
        due = after_one_month(at("2027-02-28T02:30:00+01:00"), BERLIN)
        assert shown(due, BERLIN) == "2027-03-28T03:30:00+02:00"

    def test_a_non_existent_us_wall_time_moves_forward_through_the_gap(self) -> None:
        due = after_one_month(at("2026-02-08T02:30:00-05:00"), NEW_YORK)
        assert shown(due, NEW_YORK) == "2026-03-08T03:30:00-04:00"

    def test_an_ambiguous_european_wall_time_takes_the_first_occurrence(self) -> None:
        due = after_one_month(at("2026-09-25T02:30:00+02:00"), BERLIN)
        assert shown(due, BERLIN) == "2026-10-25T02:30:00+02:00"

    def test_an_ambiguous_us_wall_time_takes_the_first_occurrence(self) -> None:
        due = after_one_month(at("2026-10-01T01:30:00-04:00"), NEW_YORK)
        assert shown(due, NEW_YORK) == "2026-11-01T01:30:00-04:00"

    def test_a_start_in_the_second_occurrence_keeps_its_wall_time(self) -> None:
        due = after_one_month(at("2026-10-25T02:30:00+01:00"), BERLIN)
        assert shown(due, BERLIN) == "2026-11-25T02:30:00+01:00"

    def test_the_local_date_is_taken_in_the_deadline_zone(self) -> None:
        # 31 Jan 23:30 UTC is 1 Feb 00:30 in Berlin: one month later is 1 March.
        due = after_one_month(at("2026-01-31T23:30:00+00:00"), BERLIN)
        assert shown(due, BERLIN) == "2026-03-01T00:30:00+01:00"


class TestEndOfYear:
    def test_sixty_days_after_31_december_of_a_common_year(self) -> None:
        due = after_end_of_year(at("2026-06-01T10:00:00-05:00"), 60, NEW_YORK)
        assert shown(due, NEW_YORK) == "2027-03-01T23:59:59-05:00"

    def test_sixty_days_after_31_december_before_a_leap_year(self) -> None:
        due = after_end_of_year(at("2027-06-01T10:00:00-04:00"), 60, NEW_YORK)
        assert shown(due, NEW_YORK) == "2028-02-29T23:59:59-05:00"

    def test_the_year_is_the_local_year_of_the_clock_start(self) -> None:
        new_year_in_berlin = at("2026-12-31T23:30:00+00:00")
        assert shown(after_end_of_year(new_year_in_berlin, 60, BERLIN), BERLIN) == "2028-02-29T23:59:59+01:00"
        assert (
            shown(after_end_of_year(new_year_in_berlin, 60, NEW_YORK), NEW_YORK)
            == "2027-03-01T23:59:59-05:00"
        )


class TestEarliest:
    def test_it_compares_instants_not_wall_times(self) -> None:
        first = at("2026-09-01T15:00:00+02:00")
        second = at("2026-09-01T14:30:00+00:00")
        assert earliest(second, first) == first


class TestDoraRoll:
    @pytest.mark.parametrize(
        ("due", "expected"),
        [
            ("2026-10-03T09:00:00+02:00", "2026-10-05T12:00:00+02:00"),  # Saturday (and German Unity Day)
            ("2026-10-04T14:00:00+02:00", "2026-10-05T12:00:00+02:00"),  # Sunday
            ("2026-10-03T00:00:30+02:00", "2026-10-05T12:00:00+02:00"),  # just after midnight
            ("2026-04-03T10:00:00+02:00", "2026-04-07T12:00:00+02:00"),  # Good Friday -> after Easter Monday
            ("2026-04-05T10:00:00+02:00", "2026-04-07T12:00:00+02:00"),  # Easter Sunday
            ("2026-10-02T23:59:59+02:00", "2026-10-02T23:59:59+02:00"),  # a working Friday stays
            ("2026-10-05T08:00:00+02:00", "2026-10-05T08:00:00+02:00"),  # a working Monday stays
            ("2026-03-28T12:30:00+01:00", "2026-03-30T12:00:00+02:00"),  # across spring forward
        ],
    )
    def test_weekends_and_holidays_move_to_noon_of_the_next_working_day(
        self, due: str, expected: str
    ) -> None:
        assert shown(roll_to_next_working_day_noon(at(due), BERLIN, "DE"), BERLIN) == expected

    def test_the_local_date_decides(self) -> None:
        # Friday 22:30 UTC is already Saturday 00:30 in Berlin.
        rolled = roll_to_next_working_day_noon(at("2026-10-09T22:30:00+00:00"), BERLIN, "DE")
        assert shown(rolled, BERLIN) == "2026-10-12T12:00:00+02:00"

    def test_without_a_country_holidays_do_not_move_the_deadline(self) -> None:
        rolled = roll_to_next_working_day_noon(at("2026-04-03T10:00:00+02:00"), BERLIN, None)
        assert shown(rolled, BERLIN) == "2026-04-03T10:00:00+02:00"


class TestLocalWallTimes:
    def test_a_non_existent_wall_time_is_normalised_forward(self) -> None:
        instant = localize(datetime(2026, 3, 29, 2, 30), BERLIN)
        assert shown(instant, BERLIN) == "2026-03-29T03:30:00+02:00"

    def test_an_ambiguous_wall_time_is_the_first_occurrence_by_default(self) -> None:
        instant = localize(datetime(2026, 11, 1, 1, 30), NEW_YORK)
        assert shown(instant, NEW_YORK) == "2026-11-01T01:30:00-04:00"

    def test_an_ambiguous_wall_time_can_be_the_later_occurrence(self) -> None:
        instant = localize(datetime(2026, 11, 1, 1, 30), NEW_YORK, ambiguous_later=True)
        assert shown(instant, NEW_YORK) == "2026-11-01T01:30:00-05:00"

    def test_results_are_never_naive(self) -> None:
        assert localize(datetime(2026, 7, 1, 12, 0), BERLIN).tzinfo is UTC


class TestRendering:
    def test_utc_is_rendered_as_plus_zero_never_z(self) -> None:
        assert shown(at("2026-07-01T12:00:00Z"), zone("UTC")) == "2026-07-01T12:00:00+00:00"
        assert shown(at("2026-01-01T12:00:00Z"), zone("Europe/London")) == "2026-01-01T12:00:00+00:00"

    def test_odd_offsets_and_seconds_precision(self) -> None:
        instant = at("2026-07-01T12:00:00.999999+00:00")
        assert shown(instant, zone("Asia/Kathmandu")) == "2026-07-01T17:45:00+05:45"

    def test_nothing_renders_as_null(self) -> None:
        assert render_instant(None, BERLIN) is None


class TestHolidayCalendars:
    def test_us_federal_holidays_include_memorial_day(self) -> None:
        assert date(2026, 5, 25) in holiday_dates("US", 2026)

    def test_brazilian_national_holidays_exclude_optional_ones(self) -> None:
        # Corpus Christi (4 June 2026) is an optional point in Brazil, not a national holiday.
        assert is_working_day(date(2026, 6, 4), "BR")
        assert not is_working_day(date(2026, 9, 7), "BR")

    def test_an_unknown_country_has_no_holidays(self) -> None:
        assert holiday_dates("XX", 2026) == frozenset()

    def test_calendars_are_cached(self) -> None:
        assert holiday_dates("DE", 2026) is holiday_dates("DE", 2026)
        assert zone("Europe/Berlin") is zone("Europe/Berlin")
