"""GDPR and UK GDPR: authority within 72 h, data subjects when the risk is high,
processors tell the controller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compliance.regimes import assess_json

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]

PARIS_MORNING = "2026-02-02T10:00:00+01:00"
HIGH_RISK = {"involved": True, "risk": "high", "subjects": 120}


def paris(facts: FactsBuilder, *designations: str, **personal_data: Any) -> dict[str, Any]:
    return facts(
        *designations,
        aware_at=PARIS_MORNING,
        timezone="Europe/Paris",
        country="FR",
        personal_data=personal_data,
    )


class TestGdprController:
    def test_a_high_risk_breach_goes_to_the_authority_and_the_data_subjects(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(paris(facts, "gdpr-controller", **HIGH_RISK))
        assert set(result) == {"GDPR/supervisory-authority", "GDPR/data-subjects"}
        authority = result["GDPR/supervisory-authority"]
        assert authority == {
            "code": "GDPR/supervisory-authority",
            "regime": "GDPR",
            "recipient": "Lead supervisory authority",
            "clock_start": "2026-02-02T10:00:00+01:00",
            "due_at": "2026-02-05T10:00:00+01:00",
            "rule": "72 hours after becoming aware",
            "basis": "Regulation (EU) 2016/679 Art. 33(1)",
            "urgent": False,
            "provisional": False,
            "required_fields": [
                "nature_of_breach",
                "data_subject_categories",
                "approx_data_subjects",
                "record_categories",
                "approx_records",
                "contact_point",
                "likely_consequences",
                "measures_taken",
                "measures_proposed",
            ],
        }
        subjects = result["GDPR/data-subjects"]
        assert subjects["due_at"] is None
        assert subjects["urgent"] is True
        assert subjects["basis"] == "Regulation (EU) 2016/679 Art. 34(1)"
        assert subjects["recipient"] == "Data subjects"

    def test_the_keys_come_in_the_documented_order(self, facts: FactsBuilder) -> None:
        [first, *_] = assess_json(paris(facts, "gdpr-controller", **HIGH_RISK))["obligations"]
        assert list(first) == [
            "code",
            "regime",
            "recipient",
            "clock_start",
            "due_at",
            "rule",
            "basis",
            "urgent",
            "provisional",
            "required_fields",
        ]

    @pytest.mark.parametrize("risk", ["low", "risk", "medium"])
    def test_a_risk_that_is_not_high_goes_to_the_authority_only(
        self, facts: FactsBuilder, obligations: Assessor, risk: str
    ) -> None:
        result = obligations(paris(facts, "gdpr-controller", involved=True, risk=risk))
        assert set(result) == {"GDPR/supervisory-authority"}

    def test_an_unassessed_risk_is_treated_as_a_risk(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        assert set(obligations(paris(facts, "gdpr-controller", involved=True))) == {
            "GDPR/supervisory-authority"
        }

    def test_no_risk_means_no_notification_but_the_register(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any
    ) -> None:
        document = paris(facts, "gdpr-controller", involved=True, risk="none")
        assert obligations(document) == {}
        line = explanation(document, "GDPR")
        assert line["applies"] is False
        assert "internal breach register (Art. 33(5))" in line["reasons"][0]

    def test_no_personal_data_means_no_gdpr(self, facts: FactsBuilder, explanation: Any) -> None:
        document = paris(facts, "gdpr-controller", involved=False, risk="high")
        line = explanation(document, "GDPR")
        assert line == {
            "regime": "GDPR",
            "name": "EU General Data Protection Regulation",
            "applies": False,
            "reasons": [
                "No personal data involved: GDPR breach notification concerns personal data breaches only"
            ],
            "obligations": [],
            "would_apply_if": ["personal data were involved"],
            "warning": None,
            "displaced_by": None,
        }

    @pytest.mark.parametrize(
        ("exemption", "wording"),
        [
            ("encryption", "(a) data unintelligible"),
            ("subsequent-measures", "(b) subsequent measures"),
            ("disproportionate-effort", "(c) individual communication"),
        ],
    )
    def test_an_art_34_3_exemption_suppresses_the_data_subject_notice(
        self, facts: FactsBuilder, obligations: Assessor, explanation: Any, exemption: str, wording: str
    ) -> None:
        document = paris(facts, "gdpr-controller", **HIGH_RISK, data_subject_exemption=exemption)
        assert set(obligations(document)) == {"GDPR/supervisory-authority"}
        assert any(f"Art. 34(3){wording}" in reason for reason in explanation(document, "GDPR")["reasons"])

    def test_the_explanation_says_why_data_subjects_are_told(
        self, facts: FactsBuilder, explanation: Any
    ) -> None:
        line = explanation(paris(facts, "gdpr-controller", **HIGH_RISK), "GDPR")
        assert line["applies"] is True
        assert line["reasons"] == [
            "gdpr-controller, personal data involved, risk high: notify the lead supervisory authority "
            "within 72 hours of becoming aware",
            "Every breach also goes into the internal breach register (Art. 33(5))",
            "Data subjects: risk high and no Art. 34(3) exemption recorded: communicate without undue delay",
        ]

    def test_a_late_notification_must_give_the_reasons_for_the_delay(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = paris(facts, "gdpr-controller", involved=True, risk="low")
        document["submitted"] = {"GDPR/supervisory-authority": "2026-02-05T10:00:01+01:00"}
        assert (
            obligations(document)["GDPR/supervisory-authority"]["required_fields"][-1] == "reasons_for_delay"
        )

    def test_a_timely_notification_needs_no_reasons_for_delay(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = paris(facts, "gdpr-controller", involved=True, risk="low")
        document["submitted"] = {"GDPR/supervisory-authority": "2026-02-05T10:00:00+01:00"}
        assert (
            "reasons_for_delay" not in obligations(document)["GDPR/supervisory-authority"]["required_fields"]
        )


class TestGdprProcessor:
    def test_a_processor_tells_the_controller_without_undue_delay_whatever_the_risk(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        result = obligations(paris(facts, "gdpr-processor", involved=True, risk="none"))
        assert set(result) == {"GDPR/controller"}
        assert result["GDPR/controller"]["urgent"] is True
        assert result["GDPR/controller"]["due_at"] is None
        assert result["GDPR/controller"]["basis"] == "Regulation (EU) 2016/679 Art. 33(2)"

    def test_a_processor_without_personal_data_has_nothing_to_do(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        assert obligations(paris(facts, "gdpr-processor", involved=False)) == {}

    def test_controller_and_processor_at_once(self, facts: FactsBuilder, obligations: Assessor) -> None:
        result = obligations(paris(facts, "gdpr-controller", "gdpr-processor", **HIGH_RISK))
        assert set(result) == {"GDPR/supervisory-authority", "GDPR/data-subjects", "GDPR/controller"}


class TestUkGdpr:
    def test_the_ico_is_notified_within_72_hours_across_bst(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = facts(
            "uk-gdpr-controller",
            aware_at="2026-03-27T16:30:00+00:00",
            timezone="Europe/London",
            country="GB",
            personal_data={"involved": True, "risk": "high"},
        )
        result = obligations(document)
        assert set(result) == {"UK-GDPR/ico", "UK-GDPR/data-subjects"}
        assert result["UK-GDPR/ico"]["due_at"] == "2026-03-30T17:30:00+01:00"
        assert result["UK-GDPR/ico"]["recipient"] == "Information Commissioner's Office"
        assert result["UK-GDPR/ico"]["basis"] == "UK GDPR Art. 33(1)"

    def test_the_exemption_suppresses_the_uk_data_subject_notice_too(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = facts(
            "uk-gdpr-controller",
            timezone="Europe/London",
            country="GB",
            personal_data={"involved": True, "risk": "high", "data_subject_exemption": "encryption"},
        )
        assert set(obligations(document)) == {"UK-GDPR/ico"}

    def test_gdpr_designations_do_not_trigger_the_uk_regime(
        self, facts: FactsBuilder, explanation: Any
    ) -> None:
        line = explanation(facts("gdpr-controller", personal_data=HIGH_RISK), "UK-GDPR")
        assert line["applies"] is False
        assert line["reasons"] == ["The entity is not designated uk-gdpr-controller"]
