"""Builders shared by the regime engine tests (pure Python: no database, no Django)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compliance.regimes import assess_json

FactsBuilder = Callable[..., dict[str, Any]]
Assessor = Callable[..., dict[str, dict[str, Any]]]


def build_facts(
    *designations: str,
    aware_at: str = "2026-03-02T10:00:00+01:00",
    timezone: str = "Europe/Berlin",
    country: str | None = "DE",
    times: dict[str, Any] | None = None,
    personal_data: dict[str, Any] | None = None,
    **top_level: Any,
) -> dict[str, Any]:
    """A facts document with the given designations; keyword arguments add sections."""
    entity: dict[str, Any] = {"name": "Example Ltd", "timezone": timezone, "designations": list(designations)}
    if country is not None:
        entity["country"] = country
    facts: dict[str, Any] = {"entity": entity, "times": {"aware_at": aware_at, **(times or {})}}
    if personal_data is not None:
        facts["personal_data"] = personal_data
    facts.update(top_level)
    return facts


def obligations_by_code(facts: dict[str, Any], **options: Any) -> dict[str, dict[str, Any]]:
    """Assess `facts` and index the obligations by code."""
    return {obligation["code"]: obligation for obligation in assess_json(facts, **options)["obligations"]}


def explanation_of(facts: dict[str, Any], regime: str, **options: Any) -> dict[str, Any]:
    """The explanation line of one regime."""
    lines = assess_json(facts, explain=True, **options)["explanation"]
    return next(line for line in lines if line["regime"] == regime)


@pytest.fixture
def facts() -> FactsBuilder:
    return build_facts


@pytest.fixture
def obligations() -> Assessor:
    return obligations_by_code


@pytest.fixture
def explanation() -> Callable[..., dict[str, Any]]:
    return explanation_of
