"""US financial regulators: SEC Form 8-K Item 1.05 and NYDFS 23 NYCRR 500.17."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]


def los_angeles(facts: FactsBuilder, *designations: str, **top_level: Any) -> dict[str, Any]:
    return facts(
        *designations,
        aware_at="2026-05-19T08:00:00-07:00",
        timezone="America/Los_Angeles",
        country="US",
        **top_level,
    )


class TestSec8K:
    def test_fourth_federal_business_day_at_1730_new_york_skipping_memorial_day(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = los_angeles(
            facts,
            "sec-registrant",
            material=True,
            times={"materiality_determined_at": "2026-05-21T11:00:00-07:00"},
        )
        form = obligations(document)["SEC-8K/8-k"]
        assert form["due_at"] == "2026-05-28T17:30:00-04:00"
        assert form["clock_start"] == "2026-05-21T14:00:00-04:00"  # shown in New York time too
        assert form["required_fields"] == [
            "nature",
            "scope",
            "timing",
            "material_impact",
            "undetermined_information",
        ]

    def test_business_days_are_counted_on_new_york_dates(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        # 22:00 Thursday in Los Angeles is 01:00 Friday in New York: Friday is day 0, Monday 25 is Memorial
        # Day, so Tue 26, Wed 27, Thu 28, Fri 29.
        document = los_angeles(
            facts,
            "sec-registrant",
            material=True,
            times={"materiality_determined_at": "2026-05-21T22:00:00-07:00"},
        )
        assert obligations(document)["SEC-8K/8-k"]["due_at"] == "2026-05-29T17:30:00-04:00"

    def test_thanksgiving_is_skipped(self, facts: FactsBuilder, obligations: Assessor) -> None:
        document = los_angeles(
            facts,
            "sec-registrant",
            material=True,
            times={"materiality_determined_at": "2026-11-25T09:00:00-05:00"},
        )
        assert obligations(document)["SEC-8K/8-k"]["due_at"] == "2026-12-02T17:30:00-05:00"

    def test_material_without_a_determination_time_is_urgent(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        form = obligations(los_angeles(facts, "sec-registrant", material=True))["SEC-8K/8-k"]
        assert (form["due_at"], form["urgent"], form["clock_start"]) == (None, True, None)
        assert "record materiality_determined_at" in form["rule"]

    def test_an_immaterial_incident_needs_no_8k(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = los_angeles(
            facts, "sec-registrant", times={"materiality_determined_at": "2026-05-21T11:00:00-07:00"}
        )
        assert obligations(document) == {}
        assert explanation(document, "SEC-8K")["reasons"] == [
            "The incident has not been determined material: no Form 8-K Item 1.05"
        ]


class TestNydfs:
    def test_72_hours_after_the_determination_across_the_fall_back(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = facts(
            "nydfs-covered-entity",
            timezone="America/New_York",
            country="US",
            times={"incident_determined_at": "2026-10-30T10:00:00-04:00"},
        )
        result = obligations(document)
        assert set(result) == {"NYDFS/notice"}
        assert result["NYDFS/notice"]["due_at"] == "2026-11-02T09:00:00-05:00"
        assert result["NYDFS/notice"]["basis"] == "23 NYCRR 500.17(a)(1)"

    def test_no_determination_no_notice(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = facts("nydfs-covered-entity", timezone="America/New_York", country="US")
        assert obligations(document) == {}
        line = explanation(document, "NYDFS")
        assert line["applies"] is False
        assert line["reasons"][0] == (
            "No cybersecurity incident determination recorded (incident_determined_at): no 72-hour notice yet"
        )

    def test_an_extortion_payment_needs_a_notice_and_an_explanation(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = facts(
            "nydfs-covered-entity",
            timezone="America/New_York",
            country="US",
            times={"ransom_paid_at": "2026-03-07T15:00:00-05:00"},
        )
        result = obligations(document)
        assert set(result) == {"NYDFS/extortion-notice", "NYDFS/extortion-explanation"}
        assert result["NYDFS/extortion-notice"]["due_at"] == "2026-03-08T16:00:00-04:00"
        explanation_due = result["NYDFS/extortion-explanation"]
        assert explanation_due["due_at"] == "2026-04-06T23:59:59-04:00"
        assert explanation_due["required_fields"] == [
            "reasons_payment_necessary",
            "alternatives_considered",
            "diligence_on_alternatives",
            "sanctions_compliance",
        ]

    def test_other_entities_are_not_in_scope(self, facts: FactsBuilder, obligations: Assessor) -> None:
        document = facts(
            "sec-registrant",
            timezone="America/New_York",
            country="US",
            times={"ransom_paid_at": "2026-03-07T15:00:00-05:00"},
        )
        assert obligations(document) == {}
