"""The engine: facts in, obligations out, as a pure function.

Every enabled regime of the catalogue is evaluated, then every custom regime passed
in; the obligations are ordered by due time (RULES.md section 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .catalogue import REGIMES, obligation_spec
from .custom import CustomRegimeSpec, validate_all
from .designations import designation_info
from .facts import Facts, FactsError, parse_facts
from .model import Context, Obligation, Regime, RegimeExplanation, RegimeOutcome
from .primitives import zone


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    """The obligations of one incident, and with `explain` why each regime did or did not apply."""

    obligations: tuple[Obligation, ...]
    explanation: tuple[RegimeExplanation, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """`{"obligations": [...]}` plus `"explanation"` when it was asked for."""
        result: dict[str, Any] = {"obligations": [obligation.to_json() for obligation in self.obligations]}
        if self.explanation is not None:
            result["explanation"] = [line.to_json() for line in self.explanation]
        return result


def assess(
    facts: Facts, *, custom_regimes: Iterable[CustomRegimeSpec] = (), explain: bool = False
) -> AssessmentResult:
    """Compute every obligation that the facts trigger.

    Raises CustomRegimeError for an invalid custom regime, and FactsError when the
    facts name a custom regime that is not passed in (facts parsed against another
    configuration).
    """
    custom_specs = validate_all(custom_regimes) if custom_regimes else ()
    if facts.entity.custom_regimes:
        configured = {spec.code for spec in custom_specs}
        for index, code in enumerate(facts.entity.custom_regimes):
            if code not in configured:
                field = f"entity.custom_regimes[{index}]"
                raise FactsError(field, f"{code!r} is not a configured custom regime")
    context = Context(facts=facts, entity_zone=zone(facts.entity.timezone))
    obligations: list[Obligation] = []
    explanation: list[RegimeExplanation] = []
    designations = facts.entity.designations
    for regime in REGIMES:
        if not explain and (not regime.enabled or regime.scope.isdisjoint(designations)):
            continue
        outcome = regime.evaluate(context)
        if regime.enabled:
            obligations.extend(outcome.obligations)
        if explain:
            warning = _near_miss(regime, context, outcome) if regime.enabled else None
            explanation.append(_explain(regime.code, regime.name, outcome, warning))
    for spec in custom_specs:
        outcome = spec.evaluate(context)
        obligations.extend(outcome.obligations)
        if explain:
            explanation.append(_explain(spec.code, spec.name, outcome))
    obligations.sort(key=Obligation.sort_key)
    return AssessmentResult(
        obligations=tuple(obligations), explanation=tuple(explanation) if explain else None
    )


def _explain(code: str, name: str, outcome: RegimeOutcome, warning: str | None = None) -> RegimeExplanation:
    return RegimeExplanation(
        regime=code,
        name=name,
        applies=outcome.applies,
        reasons=tuple(outcome.reasons),
        obligations=tuple(obligation.code for obligation in outcome.obligations),
        would_apply_if=tuple(outcome.would_apply_if),
        warning=warning,
        displaced_by=outcome.displaced_by,
    )


def _near_miss(regime: Regime, context: Context, outcome: RegimeOutcome) -> str | None:
    """The warning for a regime kept out *only* by a missing designation while people it protects
    are affected: the same regime is evaluated with the designation added, and the warning is
    given when it would then apply. Nothing when the entity carries any of the regime's
    designations (then something else, stated in the reasons, kept it out)."""
    near_miss = regime.near_miss
    facts = context.facts
    if outcome.applies or near_miss is None or not regime.scope.isdisjoint(facts.entity.designations):
        return None
    people, keys = near_miss.affected(facts.personal_data.by_jurisdiction)
    if not people:
        return None
    entity = replace(facts.entity, designations=facts.entity.designations | {near_miss.designation})
    counterfactual = regime.evaluate(
        Context(facts=replace(facts, entity=entity), entity_zone=context.entity_zone)
    )
    if not counterfactual.applies:
        return None
    codes = ", ".join(obligation.code for obligation in counterfactual.obligations)
    info = designation_info(near_miss.designation)
    label = f" ({info.label})" if info is not None else ""
    return (
        f"Warning: {people} of the affected people are {near_miss.people} ({', '.join(keys)}), and "
        f"{regime.name} would apply if the entity were designated {near_miss.designation}{label}: {codes}"
    )


def assess_json(
    data: object, *, custom_regimes: Iterable[CustomRegimeSpec] = (), explain: bool = False
) -> dict[str, Any]:
    """Parse the facts (decoded JSON or JSON text), assess them and return the JSON-ready result."""
    custom_specs = tuple(custom_regimes)
    facts = parse_facts(data, custom_regimes=custom_specs)
    return assess(facts, custom_regimes=custom_specs, explain=explain).to_json()


def required_fields_for(code: str, *, custom_regimes: Iterable[CustomRegimeSpec] = ()) -> tuple[str, ...]:
    """The report content an obligation code requires (RULES.md section 4); KeyError if unknown.

    GDPR/UK GDPR reports submitted after their due time also need
    `reasons_for_delay`; that field is added to the obligation itself, not here.
    """
    spec = obligation_spec(code)
    if spec is not None:
        return spec.required_fields
    for custom in custom_regimes:
        if custom.obligation_code == code:
            return tuple(custom.required_fields)
    raise KeyError(code)
