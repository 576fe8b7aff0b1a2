"""National privacy laws: LGPD (Brazil), PDPA (Singapore), NDB (Australia), PIPEDA (Canada),
California Civ. Code 1798.82."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]


def sao_paulo(
    facts: FactsBuilder, *designations: str, aware_at: str = "2026-06-01T10:00:00-03:00", **top_level: Any
) -> dict[str, Any]:
    personal_data = top_level.pop("personal_data", {"involved": True, "risk": "high", "subjects": 3000})
    return facts(
        *designations,
        aware_at=aware_at,
        timezone="America/Sao_Paulo",
        country="BR",
        personal_data=personal_data,
        **top_level,
    )


class TestLgpd:
    def test_three_business_days_and_a_provisional_complement(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(sao_paulo(facts, "lgpd-controller"))
        assert set(result) == {"LGPD/anpd", "LGPD/data-subjects", "LGPD/complement"}
        assert result["LGPD/anpd"]["due_at"] == "2026-06-04T23:59:59-03:00"
        assert result["LGPD/data-subjects"]["due_at"] == "2026-06-04T23:59:59-03:00"
        assert (result["LGPD/complement"]["due_at"], result["LGPD/complement"]["provisional"]) == (
            "2026-07-02T23:59:59-03:00",
            True,
        )
        assert "knowledge_date" in result["LGPD/anpd"]["required_fields"]

    def test_a_small_agent_gets_double_time_but_not_for_the_complement(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        # 6 business days: 2, 3, 4, 5, 8, 9 June; then 20 business days after 9 June is 7 July.
        result = obligations(sao_paulo(facts, "lgpd-controller", "lgpd-small-agent"))
        assert result["LGPD/anpd"]["due_at"] == "2026-06-09T23:59:59-03:00"
        assert result["LGPD/anpd"]["rule"] == (
            "6 Brazilian business days after becoming aware (doubled for a small processing agent)"
        )
        assert result["LGPD/complement"]["due_at"] == "2026-07-07T23:59:59-03:00"

    @pytest.mark.parametrize(
        ("aware_at", "due"),
        [
            ("2026-04-02T10:00:00-03:00", "2026-04-08T23:59:59-03:00"),  # Good Friday 3 April skipped
            ("2026-04-17T10:00:00-03:00", "2026-04-23T23:59:59-03:00"),  # Tiradentes, Tuesday 21 April
        ],
    )
    def test_national_holidays_are_skipped(
        self, facts: FactsBuilder, obligations: Assessor, aware_at: str, due: str
    ) -> None:
        assert (
            obligations(sao_paulo(facts, "lgpd-controller", aware_at=aware_at))["LGPD/anpd"]["due_at"] == due
        )

    def test_the_complement_counts_from_the_actual_communication(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = sao_paulo(facts, "lgpd-controller", submitted={"LGPD/anpd": "2026-06-03T15:00:00-03:00"})
        complement = obligations(document)["LGPD/complement"]
        assert (complement["due_at"], complement["provisional"]) == ("2026-07-01T23:59:59-03:00", False)
        assert complement["clock_start"] == "2026-06-03T15:00:00-03:00"

    @pytest.mark.parametrize(
        "personal_data", [{"involved": True, "risk": "none"}, {"involved": False, "risk": "high"}]
    )
    def test_no_relevant_risk_or_no_personal_data_means_no_communication(
        self, facts: FactsBuilder, obligations: Assessor, personal_data: dict[str, Any]
    ) -> None:
        assert obligations(sao_paulo(facts, "lgpd-controller", personal_data=personal_data)) == {}

    def test_a_small_agent_designation_alone_is_not_in_scope(
        self, facts: FactsBuilder, explanation: Any
    ) -> None:
        assert explanation(sao_paulo(facts, "lgpd-small-agent"), "LGPD")["reasons"] == [
            "The entity is not designated lgpd-controller (lgpd-small-agent only doubles the deadlines)"
        ]


def singapore(
    facts: FactsBuilder, assessed: str | None = "2026-07-01T10:00:00+08:00", **personal_data: Any
) -> dict[str, Any]:
    times = {} if assessed is None else {"notifiable_assessed_at": assessed}
    return facts(
        "pdpa-organisation",
        aware_at="2026-06-29T09:00:00+08:00",
        timezone="Asia/Singapore",
        country="SG",
        times=times,
        personal_data={"involved": True, **personal_data},
    )


class TestPdpaSingapore:
    def test_significant_harm_means_pdpc_in_three_days_and_individuals_at_once(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(singapore(facts, risk="high", subjects=3))
        assert result["PDPA-SG/pdpc"]["due_at"] == "2026-07-04T23:59:59+08:00"
        assert result["PDPA-SG/pdpc"]["clock_start"] == "2026-07-01T10:00:00+08:00"
        assert (result["PDPA-SG/individuals"]["due_at"], result["PDPA-SG/individuals"]["urgent"]) == (
            None,
            True,
        )

    @pytest.mark.parametrize(
        ("subjects", "by_jurisdiction", "notifiable"),
        [(500, {}, True), (499, {}, False), (10, {"SG": 300, "MY": 250}, True)],
    )
    def test_500_or_more_individuals_is_notifiable_whatever_the_harm(
        self,
        facts: FactsBuilder,
        obligations: Assessor,
        subjects: int,
        by_jurisdiction: dict[str, int],
        notifiable: bool,
    ) -> None:
        result = obligations(singapore(facts, risk="low", subjects=subjects, by_jurisdiction=by_jurisdiction))
        assert ("PDPA-SG/pdpc" in result) is notifiable
        assert "PDPA-SG/individuals" not in result

    def test_not_notifiable_is_explained(self, facts: FactsBuilder, explanation: Any) -> None:
        assert explanation(singapore(facts, risk="medium", subjects=499), "PDPA-SG")["reasons"] == [
            "Not notifiable: risk medium is not significant harm and 499 individuals, the scale threshold "
            "is 500 or more"
        ]

    def test_nothing_is_due_before_the_assessment(self, facts: FactsBuilder, obligations: Assessor) -> None:
        assert obligations(singapore(facts, assessed=None, risk="high")) == {}


def sydney(facts: FactsBuilder, **personal_data: Any) -> dict[str, Any]:
    return facts(
        "ndb-entity",
        aware_at="2026-09-30T10:00:00+10:00",
        timezone="Australia/Sydney",
        country="AU",
        personal_data=personal_data,
    )


class TestNotifiableDataBreachesAustralia:
    def test_a_30_day_assessment_across_the_southern_spring_forward(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(sydney(facts, involved=True, risk="low"))
        assert set(result) == {"NDB-AU/assessment"}
        assert result["NDB-AU/assessment"]["due_at"] == "2026-10-30T23:59:59+11:00"

    def test_likely_serious_harm_needs_a_notice_as_soon_as_practicable(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(sydney(facts, involved=True, risk="high"))
        assert (result["NDB-AU/notice"]["due_at"], result["NDB-AU/notice"]["urgent"]) == (None, True)

    def test_no_personal_data_no_assessment(self, facts: FactsBuilder, obligations: Assessor) -> None:
        assert obligations(sydney(facts, involved=False, risk="high")) == {}


class TestPipeda:
    def test_a_real_risk_of_significant_harm_is_reported_as_soon_as_feasible(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = facts(
            "pipeda-organisation",
            timezone="America/Toronto",
            country="CA",
            times={"incident_determined_at": "2026-04-01T10:00:00-04:00"},
            personal_data={"involved": True, "risk": "high"},
        )
        opc = obligations(document)["PIPEDA/opc"]
        assert (opc["due_at"], opc["urgent"], opc["clock_start"]) == (None, True, "2026-04-01T10:00:00-04:00")

    def test_a_lower_risk_is_only_recorded(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = facts(
            "pipeda-organisation",
            timezone="America/Toronto",
            country="CA",
            times={"incident_determined_at": "2026-04-01T10:00:00-04:00"},
            personal_data={"involved": True, "risk": "medium"},
        )
        assert obligations(document) == {}
        assert explanation(document, "PIPEDA")["reasons"] == [
            "Risk medium is not a real risk of significant harm: keep a record (s 10.3), no report"
        ]

    def test_no_determination_no_report(self, facts: FactsBuilder, obligations: Assessor) -> None:
        document = facts("pipeda-organisation", timezone="America/Toronto", personal_data={"risk": "high"})
        assert obligations(document) == {}


def california(facts: FactsBuilder, residents: int | None, **top_level: Any) -> dict[str, Any]:
    by_jurisdiction = {} if residents is None else {"US-CA": residents}
    return facts(
        "ca-business",
        aware_at="2026-03-03T09:00:00-08:00",
        timezone="America/Los_Angeles",
        country="US",
        personal_data={"involved": True, "risk": "low", "by_jurisdiction": by_jurisdiction},
        **top_level,
    )


class TestCalifornia:
    def test_residents_in_30_days_and_the_attorney_general_15_days_later(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(california(facts, 600))
        assert result["CA-1798.82/residents"]["due_at"] == "2026-04-02T23:59:59-07:00"
        general = result["CA-1798.82/attorney-general"]
        assert (general["due_at"], general["provisional"]) == ("2026-04-17T23:59:59-07:00", True)

    def test_the_attorney_general_counts_from_the_notice_actually_sent(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = california(facts, 600, submitted={"CA-1798.82/residents": "2026-03-20T10:00:00-07:00"})
        general = obligations(document)["CA-1798.82/attorney-general"]
        assert (general["due_at"], general["provisional"]) == ("2026-04-04T23:59:59-07:00", False)

    def test_500_residents_do_not_need_the_attorney_general(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = california(facts, 500)
        assert set(obligations(document)) == {"CA-1798.82/residents"}
        assert (
            "Attorney General: 500 residents, the threshold is more than 500"
            in explanation(document, "CA-1798.82")["reasons"]
        )

    @pytest.mark.parametrize("residents", [None, 0])
    def test_no_california_residents_no_notice(
        self, facts: FactsBuilder, obligations: Assessor, residents: int | None
    ) -> None:
        assert obligations(california(facts, residents)) == {}
