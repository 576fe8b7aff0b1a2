"""HIPAA breach notification: individuals, media per state, HHS, business associates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]

CHICAGO_DISCOVERY = "2026-03-03T09:00:00-06:00"
SIXTY_DAYS = "2026-05-02T23:59:59-05:00"  # 3 March + 60 days, CDT


def chicago(facts: FactsBuilder, *designations: str, **personal_data: Any) -> dict[str, Any]:
    unsecured_phi = {"involved": True, "risk": "high", "phi": True, "unsecured": True}
    return facts(
        *designations,
        aware_at=CHICAGO_DISCOVERY,
        timezone="America/Chicago",
        country="US",
        personal_data={**unsecured_phi, **personal_data},
    )


class TestCoveredEntity:
    def test_individuals_hhs_and_media_in_states_over_500(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(
            chicago(
                facts, "hipaa-covered-entity", subjects=1200, by_jurisdiction={"US-TX": 700, "US-OK": 500}
            )
        )
        assert set(result) == {"HIPAA/individuals", "HIPAA/hhs", "HIPAA/media:US-TX"}
        assert {obligation["due_at"] for obligation in result.values()} == {SIXTY_DAYS}
        media = result["HIPAA/media:US-TX"]
        assert media["recipient"] == "Prominent media outlets serving US-TX"
        assert media["basis"] == "45 CFR 164.406"
        assert result["HIPAA/individuals"]["required_fields"] == [
            "what_happened",
            "breach_date",
            "discovery_date",
            "phi_types",
            "steps_for_individuals",
            "entity_actions",
            "contact_procedures",
        ]

    def test_the_explanation_names_each_state_and_the_threshold(
        self, facts: FactsBuilder, explanation: Any
    ) -> None:
        line = explanation(
            chicago(facts, "hipaa-covered-entity", by_jurisdiction={"US-TX": 700, "US-OK": 500}), "HIPAA"
        )
        assert "HIPAA media US-OK: 500 residents, the threshold is more than 500" in line["reasons"]
        assert "HIPAA media US-TX: 700 residents, more than 500: notify prominent media" in line["reasons"]

    def test_501_residents_need_the_media(self, facts: FactsBuilder, obligations: Assessor) -> None:
        result = obligations(chicago(facts, "hipaa-covered-entity", by_jurisdiction={"US-IL": 501}))
        assert "HIPAA/media:US-IL" in result

    def test_only_us_states_get_media_notices(self, facts: FactsBuilder, obligations: Assessor) -> None:
        result = obligations(chicago(facts, "hipaa-covered-entity", by_jurisdiction={"FR": 900, "US": 900}))
        assert not [code for code in result if code.startswith("HIPAA/media")]

    @pytest.mark.parametrize(
        ("subjects", "by_jurisdiction", "due"),
        [
            (500, {}, SIXTY_DAYS),
            (600, {"US-TX": 10}, SIXTY_DAYS),
            (100, {"US-TX": 300, "US-OK": 250}, SIXTY_DAYS),  # the sum by state is larger: 550
            (499, {}, "2027-03-01T23:59:59-06:00"),  # 31 Dec 2026 + 60 days; CST again
            (0, {}, "2027-03-01T23:59:59-06:00"),
        ],
    )
    def test_hhs_is_told_within_60_days_from_500_individuals_otherwise_in_the_annual_log(
        self,
        facts: FactsBuilder,
        obligations: Assessor,
        subjects: int,
        by_jurisdiction: dict[str, int],
        due: str,
    ) -> None:
        result = obligations(
            chicago(facts, "hipaa-covered-entity", subjects=subjects, by_jurisdiction=by_jurisdiction)
        )
        assert result["HIPAA/hhs"]["due_at"] == due

    def test_the_annual_log_counts_from_the_local_year_of_discovery(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        # 23:30 on 31 Dec 2026 in Chicago is 2027 in UTC; the local year 2026 decides.
        document = chicago(facts, "hipaa-covered-entity", subjects=10)
        document["times"]["aware_at"] = "2026-12-31T23:30:00-06:00"
        assert obligations(document)["HIPAA/hhs"]["due_at"] == "2027-03-01T23:59:59-06:00"

    def test_the_annual_log_before_a_leap_year_ends_on_29_february(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = chicago(facts, "hipaa-covered-entity", subjects=10)
        document["times"]["aware_at"] = "2027-05-05T10:00:00-05:00"
        hhs = obligations(document)["HIPAA/hhs"]
        assert hhs["due_at"] == "2028-02-29T23:59:59-06:00"
        assert hhs["rule"] == (
            "60 calendar days after the end of the calendar year of discovery (fewer than 500 individuals)"
        )


class TestNoBreach:
    def test_secured_phi_is_not_a_breach(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = chicago(facts, "hipaa-covered-entity", unsecured=False)
        assert obligations(document) == {}
        assert explanation(document, "HIPAA")["reasons"] == [
            "The PHI was secured (encrypted or destroyed per HHS guidance): not a breach of unsecured PHI "
            "(45 CFR 164.402)"
        ]

    def test_a_four_factor_assessment_showing_no_risk_disproves_the_breach(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = chicago(facts, "hipaa-covered-entity", "hipaa-business-associate", risk="none")
        assert obligations(document) == {}
        assert "four-factor" in explanation(document, "HIPAA")["reasons"][0]

    def test_no_phi_means_no_hipaa(self, facts: FactsBuilder, obligations: Assessor) -> None:
        assert obligations(chicago(facts, "hipaa-covered-entity", phi=False)) == {}

    def test_an_unassessed_risk_keeps_the_presumption_of_a_breach(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = chicago(facts, "hipaa-covered-entity")
        del document["personal_data"]["risk"]
        assert "HIPAA/individuals" in obligations(document)


class TestBusinessAssociate:
    def test_it_tells_the_covered_entity_within_60_days(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = facts(
            "hipaa-business-associate",
            aware_at="2026-01-10T11:00:00-05:00",
            timezone="America/New_York",
            country="US",
            personal_data={"involved": True, "risk": "high", "phi": True, "unsecured": True},
        )
        result = obligations(document)
        assert set(result) == {"HIPAA/covered-entity"}
        assert result["HIPAA/covered-entity"]["due_at"] == "2026-03-11T23:59:59-04:00"
        assert result["HIPAA/covered-entity"]["recipient"] == "The covered entity"

    def test_a_covered_entity_that_is_also_an_associate_has_both_duties(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(chicago(facts, "hipaa-covered-entity", "hipaa-business-associate", subjects=3))
        assert {"HIPAA/individuals", "HIPAA/hhs", "HIPAA/covered-entity"} <= set(result)
