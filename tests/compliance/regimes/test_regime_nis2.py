"""NIS2 Art. 23(4): early warning, notification, progress and final reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]

BRUSSELS_NOON = "2026-06-08T12:00:00+02:00"


def brussels(facts: FactsBuilder, *designations: str, **top_level: Any) -> dict[str, Any]:
    return facts(*designations, aware_at=BRUSSELS_NOON, timezone="Europe/Brussels", country="BE", **top_level)


class TestDeadlines:
    def test_early_warning_24_hours_and_notification_72_hours(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(brussels(facts, "nis2-essential", significant=True))
        assert set(result) == {"NIS2/early-warning", "NIS2/notification", "NIS2/final"}
        assert result["NIS2/early-warning"]["due_at"] == "2026-06-09T12:00:00+02:00"
        assert result["NIS2/early-warning"]["required_fields"] == [
            "suspected_malicious",
            "cross_border_impact",
        ]
        assert result["NIS2/notification"]["due_at"] == "2026-06-11T12:00:00+02:00"
        assert result["NIS2/notification"]["basis"] == "Directive (EU) 2022/2555 Art. 23(4)(b)"

    def test_the_final_report_is_provisional_until_the_notification_is_submitted(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        final = obligations(brussels(facts, "nis2-important", significant=True))["NIS2/final"]
        assert final["due_at"] == "2026-07-11T12:00:00+02:00"
        assert final["clock_start"] == "2026-06-11T12:00:00+02:00"
        assert final["provisional"] is True
        assert (
            final["rule"] == "One month after the notification's due time (provisional until it is submitted)"
        )

    def test_the_final_report_counts_from_the_actual_submission(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = brussels(
            facts,
            "nis2-important",
            significant=True,
            submitted={"NIS2/notification": "2026-01-31T10:00:00+01:00"},
        )
        document["times"]["aware_at"] = "2026-01-29T10:00:00+01:00"
        final = obligations(document)["NIS2/final"]
        assert final["due_at"] == "2026-02-28T10:00:00+01:00"  # 31 January + 1 month, clamped
        assert final["provisional"] is False

    def test_hours_are_elapsed_hours_across_the_spring_forward(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = brussels(facts, "nis2-essential", significant=True)
        document["times"]["aware_at"] = "2026-03-28T12:00:00+01:00"
        result = obligations(document)
        assert result["NIS2/early-warning"]["due_at"] == "2026-03-29T13:00:00+02:00"
        assert result["NIS2/notification"]["due_at"] == "2026-03-31T13:00:00+02:00"

    def test_a_trust_service_provider_notifies_within_24_hours(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(
            brussels(facts, "nis2-essential", "nis2-trust-service-provider", significant=True)
        )
        assert result["NIS2/notification"]["due_at"] == "2026-06-09T12:00:00+02:00"
        assert result["NIS2/notification"]["rule"] == (
            "24 hours after becoming aware of the significant incident (trust service provider)"
        )
        assert result["NIS2/final"]["due_at"] == "2026-07-09T12:00:00+02:00"


class TestOngoingIncident:
    def test_still_ongoing_a_month_after_the_submitted_notification(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = brussels(
            facts,
            "nis2-important",
            significant=True,
            submitted={"NIS2/notification": "2026-06-10T12:00:00+02:00"},
        )
        document["times"]["handling_ended_at"] = "2026-08-20T18:00:00+02:00"
        result = obligations(document)
        assert result["NIS2/progress"]["due_at"] == "2026-07-10T12:00:00+02:00"
        assert result["NIS2/progress"]["provisional"] is False
        assert result["NIS2/final"]["due_at"] == "2026-09-20T18:00:00+02:00"
        assert result["NIS2/final"]["clock_start"] == "2026-08-20T18:00:00+02:00"

    def test_progress_is_provisional_but_the_final_counts_from_the_recorded_end(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = brussels(facts, "nis2-important", significant=True)
        document["times"]["handling_ended_at"] = "2026-08-20T18:00:00+02:00"
        result = obligations(document)
        assert (result["NIS2/progress"]["due_at"], result["NIS2/progress"]["provisional"]) == (
            "2026-07-11T12:00:00+02:00",
            True,
        )
        assert (result["NIS2/final"]["due_at"], result["NIS2/final"]["provisional"]) == (
            "2026-09-20T18:00:00+02:00",
            False,
        )

    @pytest.mark.parametrize("handling_ended_at", ["2026-06-20T09:00:00+02:00", "2026-07-11T12:00:00+02:00"])
    def test_handling_that_ended_by_then_means_only_the_final_report(
        self, facts: FactsBuilder, obligations: Assessor, handling_ended_at: str
    ) -> None:
        document = brussels(facts, "nis2-important", significant=True)
        document["times"]["handling_ended_at"] = handling_ended_at
        result = obligations(document)
        assert "NIS2/progress" not in result
        assert result["NIS2/final"]["due_at"] == "2026-07-11T12:00:00+02:00"


class TestScope:
    def test_an_incident_that_is_not_significant_is_not_reported(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = brussels(facts, "nis2-essential")
        assert obligations(document) == {}
        assert explanation(document, "NIS2")["reasons"] == [
            "The incident is not significant (Art. 23(3)): no NIS2 reporting"
        ]

    def test_a_trust_service_provider_designation_alone_is_not_in_scope(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = brussels(facts, "nis2-trust-service-provider", significant=True)
        assert obligations(document) == {}
        assert explanation(document, "NIS2")["reasons"] == [
            "The entity is not designated nis2-essential or nis2-important (nis2-trust-service-provider "
            "only shortens the notification deadline)"
        ]
