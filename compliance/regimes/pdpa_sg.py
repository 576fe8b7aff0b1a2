"""Singapore PDPA Part 6A, s 26D: notifiable data breaches.

* `pdpa-organisation` with the notifiability assessment made
  (`notifiable_assessed_at`); notifiable when the risk is `high` (significant harm)
  or 500 or more individuals are affected (the total is max(`subjects`, sum of
  `by_jurisdiction`));
* PDPC: no later than 3 calendar days after the day of the assessment (end of
  day 3, assessment date = day 0, entity zone);
* affected individuals: without undue delay (urgent) when the risk is `high`.
"""

from __future__ import annotations

from . import designations as d
from .model import (
    Context,
    NearMiss,
    ObligationSpec,
    Regime,
    RegimeOutcome,
    describe_risk,
    designated,
    not_applicable,
)
from .primitives import after_calendar_days

DAYS = 3
SCALE_THRESHOLD = 500
ACT = "Personal Data Protection Act 2012 (Singapore)"

PDPC = ObligationSpec(
    code="PDPA-SG/pdpc",
    regime="PDPA-SG",
    recipient="Personal Data Protection Commission (PDPC)",
    basis=f"{ACT} s 26D(1)",
    required_fields=(
        "breach_facts",
        "discovery_method",
        "affected_individuals",
        "data_categories",
        "potential_harm",
        "remedial_actions",
        "contact_point",
    ),
)
INDIVIDUALS = ObligationSpec(
    code="PDPA-SG/individuals",
    regime="PDPA-SG",
    recipient="Affected individuals",
    basis=f"{ACT} s 26D(2)",
    required_fields=(
        "breach_facts",
        "potential_harm",
        "remedial_actions",
        "steps_for_individuals",
        "contact_point",
    ),
)


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.PDPA_ORGANISATION):
        return not_applicable(
            f"The entity is not designated {d.PDPA_ORGANISATION}",
            would_apply_if=(designated(d.PDPA_ORGANISATION),),
        )
    assessed_at = context.facts.times.notifiable_assessed_at
    if assessed_at is None:
        return not_applicable(
            "The notifiability assessment is not recorded (notifiable_assessed_at): nothing to count from yet",
            would_apply_if=("the notifiability assessment (notifiable_assessed_at) were recorded",),
        )
    personal_data = context.facts.personal_data
    risk = personal_data.risk
    total = personal_data.total_subjects
    if risk != "high" and total < SCALE_THRESHOLD:
        return not_applicable(
            f"Not notifiable: {describe_risk(risk)} is not significant harm and {total} individuals, the "
            f"scale threshold is {SCALE_THRESHOLD} or more",
            would_apply_if=(f"the risk were high or {SCALE_THRESHOLD} or more individuals were affected",),
        )
    why = []
    if risk == "high":
        why.append("risk high (significant harm)")
    if total >= SCALE_THRESHOLD:
        why.append(f"{total} individuals, {SCALE_THRESHOLD} or more")
    outcome = RegimeOutcome(
        applies=True,
        reasons=[
            f"Notifiable data breach ({' and '.join(why)}): notify the PDPC within {DAYS} calendar days"
        ],
        obligations=[
            PDPC.make(
                context,
                clock_start=assessed_at,
                due_at=after_calendar_days(assessed_at, DAYS, context.entity_zone),
                rule=f"{DAYS} calendar days after the day of the notifiability assessment",
            )
        ],
    )
    if risk == "high":
        outcome.reasons.append("Risk high: notify the affected individuals without undue delay")
        outcome.obligations.append(
            INDIVIDUALS.make(
                context,
                clock_start=assessed_at,
                due_at=None,
                rule="Without undue delay after the notifiability assessment (significant harm)",
            )
        )
    else:
        outcome.reasons.append(f"Individuals: {describe_risk(risk)} is not significant harm, no notice")
    return outcome


REGIME = Regime(
    code="PDPA-SG",
    name="Singapore Personal Data Protection Act",
    enabled=True,
    specs=(PDPC, INDIVIDUALS),
    evaluate=evaluate,
    scope=frozenset({d.PDPA_ORGANISATION}),
    near_miss=NearMiss(frozenset({"SG"}), d.PDPA_ORGANISATION, "people in Singapore"),
)
