"""CERT-In's six hours, and CIRCIA, which is in the catalogue but not in force."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compliance.regimes import CATALOGUE, assess_json

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]


class TestCertIn:
    def test_six_hours_across_midnight(self, facts: FactsBuilder, obligations: Assessor) -> None:
        document = facts(
            "certin-service-provider",
            aware_at="2026-08-14T23:30:00+05:30",
            timezone="Asia/Kolkata",
            country="IN",
        )
        report = obligations(document)["CERT-IN/report"]
        assert report["due_at"] == "2026-08-15T05:30:00+05:30"
        assert report["rule"] == "6 hours after noticing the incident"

    def test_the_designation_alone_is_enough(self, facts: FactsBuilder, obligations: Assessor) -> None:
        document = facts(
            "certin-service-provider",
            aware_at="2026-08-14T12:00:00Z",
            timezone="Asia/Kolkata",
            personal_data={"involved": False, "risk": "none"},
        )
        assert obligations(document)["CERT-IN/report"]["due_at"] == "2026-08-14T23:30:00+05:30"


class TestCircia:
    def test_it_is_in_the_catalogue_but_disabled(self) -> None:
        circia = next(entry for entry in CATALOGUE if entry.code == "CIRCIA")
        assert circia.enabled is False

    def test_it_never_produces_obligations_and_says_why(self, facts: FactsBuilder) -> None:
        document = facts("circia-covered-entity", times={"ransom_paid_at": "2026-03-02T12:00:00+01:00"})
        result = assess_json(document, explain=True)
        assert result["obligations"] == []
        line = next(line for line in result["explanation"] if line["regime"] == "CIRCIA")
        assert line["applies"] is False
        assert line["reasons"][0].startswith("CIRCIA is not in force")
