"""The engine as a whole: output shape and order, explanations, catalogue lookups."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from compliance.regimes import (
    CATALOGUE,
    DESIGNATIONS,
    OBLIGATION_CODES,
    AssessmentResult,
    assess,
    assess_json,
    obligation_spec,
    parse_facts,
    required_fields_for,
)

FactsBuilder = Callable[..., dict[str, Any]]

RULES_SECTION_5_FACTS: dict[str, Any] = {
    "entity": {
        "name": "Example Bank AG",
        "country": "DE",
        "timezone": "Europe/Berlin",
        "designations": ["gdpr-controller", "nis2-essential", "dora-credit-institution"],
    },
    "times": {
        "aware_at": "2026-03-27T16:30:00+01:00",
        "classified_major_at": None,
        "materiality_determined_at": None,
        "incident_determined_at": None,
        "notifiable_assessed_at": None,
        "ransom_paid_at": None,
        "handling_ended_at": None,
    },
    "personal_data": {
        "involved": True,
        "risk": "high",
        "subjects": 1200,
        "by_jurisdiction": {"US-TX": 700, "US-OK": 500},
        "phi": False,
        "unsecured": True,
    },
    "significant": False,
    "major": False,
    "material": False,
    "submitted": {"NIS2/notification": "2026-03-31T15:00:00+02:00"},
}


def test_the_rules_section_5_example() -> None:
    result = assess_json(RULES_SECTION_5_FACTS)
    assert [(item["code"], item["due_at"], item["urgent"]) for item in result["obligations"]] == [
        ("GDPR/supervisory-authority", "2026-03-30T17:30:00+02:00", False),
        ("GDPR/data-subjects", None, True),
    ]
    assert list(result) == ["obligations"]


def test_obligations_are_ordered_by_due_time_then_code_with_nulls_last(facts: FactsBuilder) -> None:
    document = facts(
        "gdpr-controller",
        "certin-service-provider",
        "hipaa-covered-entity",
        "nis2-essential",
        "ndb-entity",
        aware_at="2026-03-02T10:00:00+01:00",
        personal_data={
            "involved": True,
            "risk": "high",
            "phi": True,
            "unsecured": True,
            "subjects": 900,
            "by_jurisdiction": {"US-TX": 900},
        },
        significant=True,
    )
    codes = [item["code"] for item in assess_json(document)["obligations"]]
    assert codes == [
        "CERT-IN/report",  # +6 h
        "NIS2/early-warning",  # +24 h
        "GDPR/supervisory-authority",  # +72 h, same instant as the NIS2 notification: by code
        "NIS2/notification",
        "NDB-AU/assessment",  # 30 days
        "NIS2/final",  # 5 April + 1 month
        "HIPAA/hhs",  # 60 days, three on the same instant: by code
        "HIPAA/individuals",
        "HIPAA/media:US-TX",
        "GDPR/data-subjects",  # urgent ones last, by code
        "NDB-AU/notice",
    ]


def test_clock_start_is_shown_in_the_deadline_zone(facts: FactsBuilder) -> None:
    document = facts("certin-service-provider", aware_at="2026-01-05T09:00:00Z", timezone="Asia/Kolkata")
    [report] = assess_json(document)["obligations"]
    assert report["clock_start"] == "2026-01-05T14:30:00+05:30"
    assert report["due_at"] == "2026-01-05T20:30:00+05:30"


def test_the_output_is_plain_json(facts: FactsBuilder) -> None:
    document = facts("gdpr-controller", "lgpd-controller", personal_data={"involved": True, "risk": "high"})
    result = assess_json(document, explain=True)
    assert json.loads(json.dumps(result)) == result


def test_assess_returns_a_result_object() -> None:
    result = assess(parse_facts(RULES_SECTION_5_FACTS))
    assert isinstance(result, AssessmentResult)
    assert result.explanation is None
    assert result.obligations[0].due_at is not None
    assert result.to_json() == assess_json(RULES_SECTION_5_FACTS)


class TestExplanation:
    def test_it_covers_every_regime_of_the_catalogue_in_order(self) -> None:
        lines = assess_json(RULES_SECTION_5_FACTS, explain=True)["explanation"]
        assert [line["regime"] for line in lines] == [entry.code for entry in CATALOGUE]
        assert all(
            set(line)
            == {
                "regime",
                "name",
                "applies",
                "reasons",
                "obligations",
                "would_apply_if",
                "warning",
                "displaced_by",
            }
            and line["reasons"]
            for line in lines
        )
        assert all(line["would_apply_if"] for line in lines if not line["applies"])
        assert all(bool(line["obligations"]) == line["applies"] for line in lines)

    def test_it_says_what_applied(self) -> None:
        lines = {
            line["regime"]: line for line in assess_json(RULES_SECTION_5_FACTS, explain=True)["explanation"]
        }
        assert lines["GDPR"]["applies"] is True
        assert lines["GDPR"]["obligations"] == ["GDPR/supervisory-authority", "GDPR/data-subjects"]
        # The example's bank is a DORA credit institution: DORA displaces NIS2 (lex specialis).
        assert lines["NIS2"]["displaced_by"] == "DORA"
        assert lines["NIS2"]["reasons"][0].startswith("Displaced by DORA")
        assert lines["DORA"]["reasons"] == [
            "The incident is not classified as major: no DORA incident reporting"
        ]
        assert lines["SEC-8K"] == {
            "regime": "SEC-8K",
            "name": "SEC Form 8-K Item 1.05",
            "applies": False,
            "reasons": ["The entity is not designated sec-registrant"],
            "obligations": [],
            "would_apply_if": ["the entity were designated sec-registrant"],
            "warning": None,
            "displaced_by": None,
        }

    def test_explaining_does_not_change_the_obligations(self) -> None:
        plain = assess_json(RULES_SECTION_5_FACTS)
        explained = assess_json(RULES_SECTION_5_FACTS, explain=True)
        assert explained["obligations"] == plain["obligations"]


class TestCatalogue:
    def test_the_obligation_codes_are_those_of_rules_section_3(self) -> None:
        assert {
            "GDPR/supervisory-authority",
            "GDPR/data-subjects",
            "GDPR/controller",
            "UK-GDPR/ico",
            "UK-GDPR/data-subjects",
            "HIPAA/individuals",
            "HIPAA/hhs",
            "HIPAA/covered-entity",
            "NIS2/early-warning",
            "NIS2/notification",
            "NIS2/progress",
            "NIS2/final",
            "DORA/initial",
            "DORA/intermediate",
            "DORA/final",
            "SEC-8K/8-k",
            "NYDFS/notice",
            "NYDFS/extortion-notice",
            "NYDFS/extortion-explanation",
            "CERT-IN/report",
            "LGPD/anpd",
            "LGPD/data-subjects",
            "LGPD/complement",
            "PDPA-SG/pdpc",
            "PDPA-SG/individuals",
            "NDB-AU/assessment",
            "NDB-AU/notice",
            "PIPEDA/opc",
            "CA-1798.82/residents",
            "CA-1798.82/attorney-general",
        } == OBLIGATION_CODES

    def test_every_regime_is_listed_with_its_state(self) -> None:
        assert [(entry.code, entry.enabled) for entry in CATALOGUE] == [
            ("GDPR", True),
            ("UK-GDPR", True),
            ("HIPAA", True),
            ("NIS2", True),
            ("DORA", True),
            ("SEC-8K", True),
            ("NYDFS", True),
            ("CERT-IN", True),
            ("LGPD", True),
            ("PDPA-SG", True),
            ("NDB-AU", True),
            ("PIPEDA", True),
            ("CA-1798.82", True),
            ("CIRCIA", False),
        ]
        hipaa = next(entry for entry in CATALOGUE if entry.code == "HIPAA")
        assert "HIPAA/media:<US state>" in hipaa.obligation_codes

    def test_designations(self) -> None:
        assert {
            "gdpr-controller",
            "dora-credit-institution",
            "dora-other",
            "lgpd-small-agent",
        } <= DESIGNATIONS

    def test_required_fields_for_every_code_including_media(self) -> None:
        assert required_fields_for("SEC-8K/8-k") == (
            "nature",
            "scope",
            "timing",
            "material_impact",
            "undetermined_information",
        )
        assert required_fields_for("HIPAA/media:US-TX") == required_fields_for("HIPAA/individuals")
        assert all(required_fields_for(code) for code in OBLIGATION_CODES)

    @pytest.mark.parametrize("code", ["GDPR/press", "HIPAA/media", "HIPAA/media:FR"])
    def test_unknown_codes_have_no_required_fields(self, code: str) -> None:
        with pytest.raises(KeyError):
            required_fields_for(code)

    def test_specs_describe_recipient_and_basis(self) -> None:
        spec = obligation_spec("NYDFS/extortion-explanation")
        assert spec is not None
        assert (spec.regime, spec.recipient, spec.basis) == (
            "NYDFS",
            "NY Superintendent of Financial Services",
            "23 NYCRR 500.17(c)(2)",
        )
