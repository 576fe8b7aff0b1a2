"""DORA major incident reporting: initial, intermediate and final reports and the weekend rule.

September 2026: Tuesday 1, Friday 4, Saturday 5, Monday 7. October 2026: Saturday 3
(German Unity Day), Saturday 10, Monday 12.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]


def dora(
    facts: FactsBuilder,
    *designations: str,
    aware_at: str,
    classified_major_at: str | None,
    country: str | None = "DE",
    timezone: str = "Europe/Berlin",
    **top_level: Any,
) -> dict[str, Any]:
    times = {} if classified_major_at is None else {"classified_major_at": classified_major_at}
    return facts(
        *designations,
        aware_at=aware_at,
        timezone=timezone,
        country=country,
        times=times,
        major=True,
        **top_level,
    )


def dues(result: dict[str, dict[str, Any]]) -> dict[str, tuple[str | None, bool]]:
    return {code: (obligation["due_at"], obligation["provisional"]) for code, obligation in result.items()}


class TestInitialNotification:
    def test_four_hours_after_classification_when_that_is_earlier(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(
            dora(
                facts,
                "dora-payment-institution",
                aware_at="2026-09-01T09:00:00+02:00",
                classified_major_at="2026-09-01T11:00:00+02:00",
            )
        )
        assert result["DORA/initial"]["due_at"] == "2026-09-01T15:00:00+02:00"
        assert result["DORA/initial"]["clock_start"] == "2026-09-01T11:00:00+02:00"

    def test_no_later_than_24_hours_after_awareness(self, facts: FactsBuilder, obligations: Assessor) -> None:
        # Classified 22 h after awareness: classification + 4 h would be 26 h, so awareness + 24 h wins.
        result = obligations(
            dora(
                facts,
                "dora-payment-institution",
                aware_at="2026-09-01T09:00:00+02:00",
                classified_major_at="2026-09-02T07:00:00+02:00",
            )
        )
        assert result["DORA/initial"]["due_at"] == "2026-09-02T09:00:00+02:00"

    def test_classification_exactly_24_hours_after_awareness_is_due_at_once(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        # Not *more* than 24 h: the earlier of classification + 4 h and awareness + 24 h is the
        # classification itself.
        result = obligations(
            dora(
                facts,
                "dora-payment-institution",
                aware_at="2026-09-01T09:00:00+02:00",
                classified_major_at="2026-09-02T09:00:00+02:00",
            )
        )
        assert result["DORA/initial"]["due_at"] == "2026-09-02T09:00:00+02:00"

    def test_a_late_classification_gets_four_hours(self, facts: FactsBuilder, obligations: Assessor) -> None:
        result = obligations(
            dora(
                facts,
                "dora-payment-institution",
                aware_at="2026-09-01T09:00:00+02:00",
                classified_major_at="2026-09-03T10:00:00+02:00",
            )
        )
        assert result["DORA/initial"]["due_at"] == "2026-09-03T14:00:00+02:00"
        assert result["DORA/initial"]["rule"] == (
            "4 hours after classification as major (classified more than 24 hours after becoming aware)"
        )

    def test_major_without_a_classification_time_is_urgent_and_asks_for_it(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = dora(
            facts, "dora-investment-firm", aware_at="2026-09-01T09:00:00+02:00", classified_major_at=None
        )
        result = obligations(document)
        assert set(result) == {"DORA/initial"}
        initial = result["DORA/initial"]
        assert (initial["due_at"], initial["urgent"], initial["clock_start"]) == (None, True, None)
        assert "record classified_major_at" in initial["rule"]
        assert explanation(document, "DORA")["reasons"][-1] == (
            "The intermediate and final reports are listed once the initial notification is submitted or "
            "classified_major_at is recorded"
        )

    def test_without_a_classification_time_a_submitted_initial_still_starts_the_chain(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = dora(
            facts,
            "dora-investment-firm",
            aware_at="2026-09-01T09:00:00+02:00",
            classified_major_at=None,
            submitted={"DORA/initial": "2026-09-01T13:00:00+02:00"},
        )
        assert dues(obligations(document)) == {
            "DORA/initial": (None, False),
            "DORA/intermediate": ("2026-09-04T13:00:00+02:00", False),
            "DORA/final": ("2026-10-05T12:00:00+02:00", True),  # 4 Oct is a Sunday
        }


class TestWeekendRule:
    def test_the_whole_chain_rolls_for_a_payment_institution(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        # Initial due Saturday 02:00 -> Monday 12:00; intermediate Monday 12:00 + 72 h = Thursday 12:00;
        # final Thursday + 1 month = Saturday 10 October -> Monday 12 October 12:00.
        result = obligations(
            dora(
                facts,
                "dora-payment-institution",
                aware_at="2026-09-04T20:00:00+02:00",
                classified_major_at="2026-09-04T22:00:00+02:00",
            )
        )
        assert dues(result) == {
            "DORA/initial": ("2026-09-07T12:00:00+02:00", False),
            "DORA/intermediate": ("2026-09-10T12:00:00+02:00", True),
            "DORA/final": ("2026-10-12T12:00:00+02:00", True),
        }
        assert result["DORA/initial"]["rule"].endswith(
            "; Saturday 2026-09-05 is a weekend day, so moved to 12:00 on Monday 2026-09-07, the next "
            "working day (Delegated Regulation (EU) 2025/301 Art. 5(4))"
        )

    @pytest.mark.parametrize(
        "designations",
        [
            ("dora-credit-institution",),
            ("dora-central-counterparty",),
            ("dora-trading-venue-operator",),
            ("dora-payment-institution", "nis2-essential"),
            ("dora-insurance-undertaking", "nis2-important"),
        ],
    )
    def test_excluded_entities_keep_weekend_deadlines_for_initial_and_intermediate(
        self, facts: FactsBuilder, obligations: Assessor, designations: tuple[str, ...]
    ) -> None:
        # Initial Saturday 02:00 stays; intermediate Tuesday 02:00; final Thursday 8 October 02:00.
        result = obligations(
            dora(
                facts,
                *designations,
                aware_at="2026-09-04T20:00:00+02:00",
                classified_major_at="2026-09-04T22:00:00+02:00",
            )
        )
        assert dues(result)["DORA/initial"] == ("2026-09-05T02:00:00+02:00", False)
        assert dues(result)["DORA/intermediate"] == ("2026-09-08T02:00:00+02:00", True)
        assert dues(result)["DORA/final"] == ("2026-10-08T02:00:00+02:00", True)

    def test_the_final_report_of_an_excluded_entity_still_rolls(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = dora(
            facts,
            "dora-credit-institution",
            aware_at="2026-09-01T09:00:00+02:00",
            classified_major_at="2026-09-01T10:00:00+02:00",
            submitted={"DORA/intermediate": "2026-09-03T10:00:00+02:00"},
        )
        # 3 October is a Saturday and German Unity Day: Monday 5 October, 12:00; counted from a submission.
        assert dues(obligations(document))["DORA/final"] == ("2026-10-05T12:00:00+02:00", False)

    def test_national_holidays_of_the_entity_country_move_deadlines(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        # Tuesday 2 June 2026 is Republic Day in Italy but a working day in Germany.
        in_italy = dora(
            facts,
            "dora-investment-firm",
            aware_at="2026-06-01T10:00:00+02:00",
            classified_major_at="2026-06-02T08:00:00+02:00",
            country="IT",
            timezone="Europe/Rome",
        )
        in_germany = dora(
            facts,
            "dora-investment-firm",
            aware_at="2026-06-01T10:00:00+02:00",
            classified_major_at="2026-06-02T08:00:00+02:00",
        )
        assert obligations(in_italy)["DORA/initial"]["due_at"] == "2026-06-03T12:00:00+02:00"
        assert obligations(in_germany)["DORA/initial"]["due_at"] == "2026-06-02T10:00:00+02:00"

    def test_without_a_country_only_weekends_move(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = dora(
            facts,
            "dora-investment-firm",
            aware_at="2026-06-01T10:00:00+02:00",
            classified_major_at="2026-06-02T08:00:00+02:00",
            country=None,
            timezone="Europe/Rome",
        )
        assert obligations(document)["DORA/initial"]["due_at"] == "2026-06-02T10:00:00+02:00"
        assert (
            "No entity country recorded: the weekend rule moves only Saturday and Sunday deadlines"
            in explanation(document, "DORA")["reasons"]
        )


class TestScope:
    def test_an_incident_that_is_not_major_is_not_reported(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = facts(
            "dora-credit-institution", times={"classified_major_at": "2026-03-02T12:00:00+01:00"}
        )
        assert obligations(document) == {}
        assert explanation(document, "DORA")["reasons"] == [
            "The incident is not classified as major: no DORA incident reporting"
        ]

    def test_every_dora_designation_is_in_scope(self, facts: FactsBuilder, obligations: Assessor) -> None:
        from compliance.regimes import DORA_DESIGNATIONS

        for designation in sorted(DORA_DESIGNATIONS):
            document = dora(
                facts,
                designation,
                aware_at="2026-09-01T09:00:00+02:00",
                classified_major_at="2026-09-01T11:00:00+02:00",
            )
            assert "DORA/initial" in obligations(document), designation

    def test_the_explanation_lists_the_designation(self, facts: FactsBuilder, explanation: Any) -> None:
        document = dora(
            facts,
            "dora-credit-institution",
            aware_at="2026-09-01T09:00:00+02:00",
            classified_major_at="2026-09-01T11:00:00+02:00",
        )
        assert explanation(document, "DORA")["reasons"] == [
            "dora-credit-institution with a major ICT-related incident: initial notification, intermediate "
            "and final reports",
            "The weekend rule uses the national public holidays of DE",
            "Weekend rule not available for the initial and intermediate reports (dora-credit-institution, "
            "Delegated Regulation (EU) 2025/301 Art. 5(5)); it still applies to the final report",
        ]
