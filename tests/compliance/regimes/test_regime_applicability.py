"""Applicability in the explanation: lex specialis (DORA over NIS2), near-miss warnings,
what would make a regime apply, and the designation catalogue."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.regimes import (
    CATALOGUE,
    DESIGNATION_CATALOGUE,
    DESIGNATIONS,
    DORA_DESIGNATIONS,
    assess_json,
    designation_info,
)
from compliance.regimes import designations as d
from compliance.regimes.catalogue import REGIMES

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]
REGIMES_DIR = Path(d.__file__).parent
NIS2_CODES = {"NIS2/early-warning", "NIS2/notification", "NIS2/final"}


def explanation_of(facts: dict[str, Any], regime: str) -> dict[str, Any]:
    lines = assess_json(facts, explain=True)["explanation"]
    return next(line for line in lines if line["regime"] == regime)


def bank(facts: FactsBuilder, *extra: str, **changes: Any) -> dict[str, Any]:
    """A German credit institution that is also a NIS2 essential entity, with a significant, major incident."""
    options: dict[str, Any] = {
        "aware_at": "2026-09-04T20:00:00+02:00",
        "times": {"classified_major_at": "2026-09-05T01:00:00+02:00"},
        "significant": True,
        "major": True,
    }
    options.update(changes)
    return facts("dora-credit-institution", "nis2-essential", *extra, **options)


class TestLexSpecialis:
    def test_dora_displaces_nis2_and_the_explanation_names_dora(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = bank(facts)
        codes = set(obligations(document))
        assert {"DORA/initial", "DORA/intermediate", "DORA/final"} <= codes
        assert not any(code.startswith("NIS2/") for code in codes)
        line = explanation_of(document, "NIS2")
        assert line["applies"] is False
        assert line["displaced_by"] == "DORA"
        assert line["obligations"] == []
        assert "Displaced by DORA" in line["reasons"][0]
        assert "dora-credit-institution" in line["reasons"][0]
        assert "nis2-essential" in line["reasons"][0]
        assert "DORA Art. 1(2)" in line["reasons"][0]
        assert any("nis2-dora-parallel" in condition for condition in line["would_apply_if"])
        dora = explanation_of(document, "DORA")
        assert any("NIS2 obligations do not apply" in reason for reason in dora["reasons"])

    @pytest.mark.parametrize("nis2", ["nis2-essential", "nis2-important"])
    @pytest.mark.parametrize("dora", sorted(DORA_DESIGNATIONS))
    def test_every_dora_designation_displaces_either_nis2_designation(
        self, facts: FactsBuilder, obligations: Assessor, dora: str, nis2: str
    ) -> None:
        document = facts(dora, nis2, significant=True)
        assert not any(code.startswith("NIS2/") for code in obligations(document))
        assert explanation_of(document, "NIS2")["displaced_by"] == "DORA"

    def test_displacement_holds_for_an_incident_that_is_not_major(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        # DORA is the reporting regime for the entity's ICT incidents whether or not this one is major.
        document = bank(facts, major=False)
        assert obligations(document) == {}
        assert explanation_of(document, "NIS2")["displaced_by"] == "DORA"

    def test_nis2_dora_parallel_keeps_nis2_beside_dora(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = bank(facts, "nis2-dora-parallel")
        codes = set(obligations(document))
        assert codes >= NIS2_CODES
        assert {"DORA/initial", "DORA/intermediate", "DORA/final"} <= codes
        line = explanation_of(document, "NIS2")
        assert line["applies"] is True
        assert line["displaced_by"] is None
        assert set(line["obligations"]) == NIS2_CODES
        assert any("nis2-dora-parallel" in reason for reason in explanation_of(document, "DORA")["reasons"])

    def test_parallel_reports_keep_the_nis2_clocks(self, facts: FactsBuilder, obligations: Assessor) -> None:
        parallel = obligations(bank(facts, "nis2-dora-parallel"))
        nis2_only = obligations(
            facts("nis2-essential", aware_at="2026-09-04T20:00:00+02:00", significant=True)
        )
        for code in NIS2_CODES:
            assert parallel[code]["due_at"] == nis2_only[code]["due_at"]

    def test_without_dora_nis2_is_not_displaced(self, facts: FactsBuilder, obligations: Assessor) -> None:
        document = facts("nis2-important", "gdpr-controller", significant=True)
        assert set(obligations(document)) >= NIS2_CODES
        assert explanation_of(document, "NIS2")["displaced_by"] is None

    @pytest.mark.parametrize("nis2", ["nis2-essential", "nis2-important"])
    def test_the_displaced_nis2_designation_still_excludes_the_weekend_rule(
        self, facts: FactsBuilder, obligations: Assessor, nis2: str
    ) -> None:
        # A payment institution may use the weekend rule, but not when it is also a NIS2 entity
        # (2025/301 Art. 5(5)), even though NIS2 itself is displaced. Initial due Saturday 05:00.
        options = {
            "aware_at": "2026-09-04T20:00:00+02:00",
            "times": {"classified_major_at": "2026-09-05T01:00:00+02:00"},
            "major": True,
            "significant": True,
        }
        rolled = obligations(facts("dora-payment-institution", **options))
        kept = obligations(facts("dora-payment-institution", nis2, **options))
        assert rolled["DORA/initial"]["due_at"] == "2026-09-07T12:00:00+02:00"
        assert kept["DORA/initial"]["due_at"] == "2026-09-05T05:00:00+02:00"
        assert not any(code.startswith("NIS2/") for code in kept)

    def test_gdpr_runs_in_parallel_regardless(self, facts: FactsBuilder, obligations: Assessor) -> None:
        document = bank(facts, "gdpr-controller", personal_data={"involved": True, "risk": "high"})
        assert {"GDPR/supervisory-authority", "GDPR/data-subjects", "DORA/initial"} <= set(
            obligations(document)
        )


def california_breach(facts: FactsBuilder, *designations: str, **personal_data: Any) -> dict[str, Any]:
    """The issue's case: an EU bank, 4,800 affected, 800 of them California residents."""
    data: dict[str, Any] = {
        "involved": True,
        "risk": "high",
        "subjects": 4800,
        "by_jurisdiction": {"DE": 4000, "US-CA": 800},
    }
    data.update(personal_data)
    return facts("gdpr-controller", *designations, personal_data=data)


class TestNearMisses:
    def test_california_residents_without_ca_business_warn(self, facts: FactsBuilder) -> None:
        line = explanation_of(california_breach(facts), "CA-1798.82")
        assert line["applies"] is False
        assert line["obligations"] == []
        assert "not designated ca-business" in line["reasons"][0]
        assert line["would_apply_if"] == ["the entity were designated ca-business"]
        warning = line["warning"]
        assert warning is not None
        assert "800" in warning
        assert "US-CA" in warning
        assert "ca-business" in warning
        assert "CA-1798.82/residents" in warning
        assert "CA-1798.82/attorney-general" in warning

    def test_the_designation_turns_the_warning_into_obligations(
        self, facts: FactsBuilder, obligations: Assessor
    ) -> None:
        document = california_breach(facts, "ca-business")
        line = explanation_of(document, "CA-1798.82")
        assert line["applies"] is True
        assert line["warning"] is None
        assert line["obligations"] == ["CA-1798.82/residents", "CA-1798.82/attorney-general"]
        assert {"CA-1798.82/residents", "CA-1798.82/attorney-general"} <= set(obligations(document))

    def test_no_warning_without_residents_of_the_jurisdiction(self, facts: FactsBuilder) -> None:
        line = explanation_of(
            california_breach(facts, by_jurisdiction={"DE": 4000, "US-CA": 0}), "CA-1798.82"
        )
        assert line["applies"] is False
        assert line["warning"] is None

    def test_no_warning_when_more_than_the_designation_keeps_it_out(self, facts: FactsBuilder) -> None:
        # Without personal data the designation would not make the law apply: no near miss.
        line = explanation_of(california_breach(facts, involved=False), "CA-1798.82")
        assert line["warning"] is None

    def test_a_country_covers_its_subdivisions_but_not_the_other_way_round(self, facts: FactsBuilder) -> None:
        document = california_breach(facts, phi=True, unsecured=True)
        hipaa = explanation_of(document, "HIPAA")
        assert hipaa["warning"] is not None
        assert "US-CA" in hipaa["warning"]
        pipeda = explanation_of(document, "PIPEDA")
        assert pipeda["warning"] is None  # US-CA is California, not Canada

    def test_eu_residents_warn_for_an_entity_that_is_no_gdpr_controller(self, facts: FactsBuilder) -> None:
        document = facts(
            "ca-business",
            personal_data={"involved": True, "risk": "high", "by_jurisdiction": {"FR": 30, "US-CA": 10}},
        )
        line = explanation_of(document, "GDPR")
        assert line["applies"] is False
        assert line["warning"] is not None
        assert "FR" in line["warning"]
        assert "gdpr-controller" in line["warning"]

    def test_warnings_are_only_built_for_the_explanation(self, facts: FactsBuilder) -> None:
        document = california_breach(facts)
        assert assess_json(document)["obligations"] == assess_json(document, explain=True)["obligations"]


class TestWouldApplyIf:
    def test_every_regime_that_does_not_apply_says_what_would_make_it_apply(
        self, facts: FactsBuilder
    ) -> None:
        documents = [
            facts(),
            facts(*sorted(DESIGNATIONS - {"nis2-dora-parallel"})),
            california_breach(facts, "ca-business", involved=False),
            bank(facts, significant=False, major=False),
        ]
        for document in documents:
            for line in assess_json(document, explain=True)["explanation"]:
                if not line["applies"]:
                    assert line["would_apply_if"], line

    def test_custom_regimes_say_it_too(self, facts: FactsBuilder) -> None:
        from compliance.regimes import CustomRegimeSpec

        spec = CustomRegimeSpec(
            code="PCI-VISA",
            name="Visa",
            recipient="Visa",
            clock_start="ransom_paid_at",
            amount=3,
            unit="calendar_days",
        )
        document = facts()
        line = next(
            line
            for line in assess_json(document, custom_regimes=[spec], explain=True)["explanation"]
            if line["regime"] == "PCI-VISA"
        )
        assert line["would_apply_if"] == ["the entity listed custom regime PCI-VISA"]
        document["entity"]["custom_regimes"] = ["PCI-VISA"]
        line = next(
            line
            for line in assess_json(document, custom_regimes=[spec], explain=True)["explanation"]
            if line["regime"] == "PCI-VISA"
        )
        assert line["would_apply_if"] == [
            "the time of the ransom payment (times.ransom_paid_at) were recorded"
        ]


def _designations_read_by(module: Path) -> set[str]:
    """Every designation code a regime module names: `d.CONSTANT` references and string literals."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "d":
            value = getattr(d, node.attr)
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, frozenset):
                found |= value
    return found


class TestDesignationCatalogue:
    def test_every_code_has_a_label_a_description_and_a_regime(self) -> None:
        codes = [info.code for info in DESIGNATION_CATALOGUE]
        assert len(codes) == len(set(codes))
        assert set(codes) == DESIGNATIONS
        regimes = {entry.code for entry in CATALOGUE}
        for info in DESIGNATION_CATALOGUE:
            assert info.label
            assert info.description
            assert "\n" not in info.description
            assert info.regime in regimes
        assert designation_info("ca-business") is not None
        assert designation_info("ca-busines") is None

    def test_every_designation_a_regime_checks_is_in_the_catalogue(self) -> None:
        modules = [path for path in REGIMES_DIR.glob("*.py") if path.name != "designations.py"]
        read = set().union(*(_designations_read_by(path) for path in modules))
        assert {"ca-business", "nis2-dora-parallel", "dora-other", "lgpd-small-agent"} <= read
        assert read <= DESIGNATIONS
        for regime in REGIMES:
            assert regime.scope <= DESIGNATIONS
            if regime.near_miss is not None:
                assert regime.near_miss.designation in regime.scope

    def test_the_catalogue_lists_no_code_that_no_regime_reads(self) -> None:
        modules = [path for path in REGIMES_DIR.glob("*.py") if path.name != "designations.py"]
        read = set().union(*(_designations_read_by(path) for path in modules))
        assert read == DESIGNATIONS
