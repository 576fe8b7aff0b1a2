"""Custom regimes: validation of the spec and evaluation with the shared primitives."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from compliance.regimes import (
    CustomRegimeError,
    CustomRegimeSpec,
    assess_json,
    parse_facts,
    required_fields_for,
)

VISA = CustomRegimeSpec(
    code="PCI-VISA",
    name="Visa account data compromise",
    recipient="Visa",
    clock_start="aware_at",
    amount=24,
    unit="hours",
    required_fields=("affected_accounts", "forensic_investigator"),
    basis="Visa Core Rules (contractual)",
)
POLICY = CustomRegimeSpec(
    code="ACME-POLICY",
    name="Internal policy",
    recipient="Group CISO",
    clock_start="incident_determined_at",
    amount=2,
    unit="business_days",
    holiday_country="US",
)
INSURER = CustomRegimeSpec(
    code="CYBER-INSURER",
    name="Cyber insurance policy",
    recipient="Insurer",
    clock_start="ransom_paid_at",
    amount=3,
    unit="calendar_days",
)


def facts_listing(*codes: str, **times: str) -> dict[str, Any]:
    return {
        "entity": {"timezone": "America/New_York", "country": "US", "custom_regimes": list(codes)},
        "times": {"aware_at": "2026-05-22T16:00:00-04:00", **times},
    }


class TestValidation:
    @pytest.mark.parametrize(
        ("changes", "attribute"),
        [
            ({"code": "pci-visa"}, "code"),
            ({"code": "PCI VISA"}, "code"),
            ({"code": "PCI/VISA"}, "code"),
            ({"code": "GDPR"}, "code"),
            ({"code": ""}, "code"),
            ({"name": ""}, "name"),
            ({"recipient": "   "}, "recipient"),
            ({"recipient": None}, "recipient"),
            ({"basis": "bad\x00basis"}, "basis"),
            ({"clock_start": "detected_at"}, "clock_start"),
            ({"clock_start": "times.aware_at"}, "clock_start"),
            ({"unit": "weeks"}, "unit"),
            ({"amount": 0}, "amount"),
            ({"amount": -3}, "amount"),
            ({"amount": 1.5}, "amount"),
            ({"amount": True}, "amount"),
            ({"amount": 10**6}, "amount"),
            ({"unit": "business_days"}, "holiday_country"),
            ({"unit": "business_days", "holiday_country": "XX"}, "holiday_country"),
            ({"unit": "business_days", "holiday_country": "us"}, "holiday_country"),
            ({"required_fields": ("Bad Field",)}, "required_fields"),
            ({"required_fields": ("a", "a")}, "required_fields"),
            ({"required_fields": "affected_accounts"}, "required_fields"),
            ({"active": "yes"}, "active"),
        ],
    )
    def test_it_names_the_bad_attribute(self, changes: dict[str, Any], attribute: str) -> None:
        spec = dataclasses.replace(VISA, **changes)
        with pytest.raises(CustomRegimeError) as caught:
            spec.validate()
        assert caught.value.attribute == attribute
        assert isinstance(caught.value, ValueError)

    def test_valid_specs_pass(self) -> None:
        for spec in (VISA, POLICY, INSURER):
            spec.validate()

    def test_a_list_of_required_fields_is_accepted(self) -> None:
        spec = dataclasses.replace(VISA, required_fields=["affected_accounts"])
        spec.validate()
        assert spec.required_fields == ("affected_accounts",)

    def test_two_regimes_with_one_code_are_refused(self) -> None:
        with pytest.raises(CustomRegimeError, match="defined twice"):
            assess_json(facts_listing(), custom_regimes=[VISA, dataclasses.replace(VISA, name="Other")])

    def test_an_invalid_spec_is_refused_by_the_engine(self) -> None:
        with pytest.raises(CustomRegimeError):
            assess_json(facts_listing(), custom_regimes=[dataclasses.replace(VISA, unit="weeks")])


class TestEvaluation:
    def test_hours(self) -> None:
        result = assess_json(facts_listing("PCI-VISA"), custom_regimes=[VISA])
        assert result["obligations"] == [
            {
                "code": "PCI-VISA/notification",
                "regime": "PCI-VISA",
                "recipient": "Visa",
                "clock_start": "2026-05-22T16:00:00-04:00",
                "due_at": "2026-05-23T16:00:00-04:00",
                "rule": "24 hours after becoming aware",
                "basis": "Visa Core Rules (contractual)",
                "urgent": False,
                "provisional": False,
                "required_fields": ["affected_accounts", "forensic_investigator"],
            }
        ]

    def test_business_days_with_the_holiday_calendar(self) -> None:
        # Friday 22 May 2026; Monday 25 is Memorial Day: Tuesday 26 (1), Wednesday 27 (2).
        document = facts_listing("ACME-POLICY", incident_determined_at="2026-05-22T16:00:00-04:00")
        [obligation] = assess_json(document, custom_regimes=[POLICY])["obligations"]
        assert obligation["due_at"] == "2026-05-27T23:59:59-04:00"
        assert (
            obligation["rule"]
            == "2 business days after the incident determination (US public holidays skipped)"
        )
        assert obligation["basis"] == "Internal policy (custom regime)"

    def test_calendar_days(self) -> None:
        document = facts_listing("CYBER-INSURER", ransom_paid_at="2026-05-22T23:30:00-04:00")
        [obligation] = assess_json(document, custom_regimes=[INSURER])["obligations"]
        assert obligation["due_at"] == "2026-05-25T23:59:59-04:00"

    def test_it_applies_only_when_listed_active_and_started(self) -> None:
        specs = [VISA, POLICY, dataclasses.replace(INSURER, active=False)]
        document = facts_listing("ACME-POLICY", "CYBER-INSURER", ransom_paid_at="2026-05-22T23:30:00-04:00")
        result = assess_json(document, custom_regimes=specs, explain=True)
        assert result["obligations"] == []
        reasons = {line["regime"]: line["reasons"] for line in result["explanation"]}
        assert reasons["PCI-VISA"] == ["The entity does not list PCI-VISA in entity.custom_regimes"]
        assert reasons["ACME-POLICY"] == [
            "times.incident_determined_at is not recorded: nothing to count from"
        ]
        assert reasons["CYBER-INSURER"] == ["Custom regime CYBER-INSURER is inactive"]

    def test_its_required_fields_can_be_looked_up(self) -> None:
        assert required_fields_for("PCI-VISA/notification", custom_regimes=[VISA]) == (
            "affected_accounts",
            "forensic_investigator",
        )

    def test_the_facts_parser_knows_the_custom_codes(self) -> None:
        facts = parse_facts(
            {
                **facts_listing("PCI-VISA"),
                "submitted": {"PCI-VISA/notification": "2026-05-23T10:00:00-04:00"},
            },
            custom_regimes=[VISA],
        )
        assert set(facts.submitted) == {"PCI-VISA/notification"}
