"""Australia's Notifiable Data Breaches scheme, Privacy Act 1988 (Cth) Part IIIC.

* `ndb-entity` with personal data involved: reasonable grounds to suspect an
  eligible data breach start a 30-day assessment (s 26WH(2)), due at the end of
  day 30 after awareness (entity zone);
* the statement to the OAIC and the notice to individuals are due as soon as
  practicable (urgent) only when the risk is `high`, i.e. serious harm is likely
  and the breach is an eligible data breach (ss 26WE, 26WK, 26WL).
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

ACT = "Privacy Act 1988 (Cth)"
ASSESSMENT_DAYS = 30

ASSESSMENT = ObligationSpec(
    code="NDB-AU/assessment",
    regime="NDB-AU",
    recipient="The entity (internal assessment of the suspected eligible data breach)",
    basis=f"{ACT} s 26WH(2)",
    required_fields=("assessment_summary", "serious_harm_likelihood", "remedial_action"),
)
NOTICE = ObligationSpec(
    code="NDB-AU/notice",
    regime="NDB-AU",
    recipient="Office of the Australian Information Commissioner (OAIC) and affected individuals",
    basis=f"{ACT} ss 26WK, 26WL",
    required_fields=("entity_contact", "breach_description", "information_kinds", "recommended_steps"),
)


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.NDB_ENTITY):
        return not_applicable(
            f"The entity is not designated {d.NDB_ENTITY}", would_apply_if=(designated(d.NDB_ENTITY),)
        )
    personal_data = context.facts.personal_data
    if not personal_data.involved:
        return not_applicable("No personal data involved", would_apply_if=("personal data were involved",))
    aware_at = context.facts.times.aware_at
    outcome = RegimeOutcome(
        applies=True,
        reasons=[
            f"Suspected eligible data breach: assess within {ASSESSMENT_DAYS} calendar days of becoming aware"
        ],
        obligations=[
            ASSESSMENT.make(
                context,
                clock_start=aware_at,
                due_at=after_calendar_days(aware_at, ASSESSMENT_DAYS, context.entity_zone),
                rule=f"{ASSESSMENT_DAYS} calendar days after becoming aware of reasonable grounds to suspect "
                "an eligible data breach",
            )
        ],
    )
    if personal_data.risk == "high":
        outcome.reasons.append(
            "Risk high: serious harm is likely, an eligible data breach; notify the OAIC and individuals as "
            "soon as practicable"
        )
        outcome.obligations.append(
            NOTICE.make(
                context,
                clock_start=aware_at,
                due_at=None,
                rule="As soon as practicable after becoming aware of an eligible data breach",
            )
        )
    else:
        outcome.reasons.append(
            f"Notice: {describe_risk(personal_data.risk)} is not likely serious harm, no notice unless the "
            "assessment concludes otherwise"
        )
    return outcome


REGIME = Regime(
    code="NDB-AU",
    name="Australian Notifiable Data Breaches scheme",
    enabled=True,
    specs=(ASSESSMENT, NOTICE),
    evaluate=evaluate,
    scope=frozenset({d.NDB_ENTITY}),
    near_miss=NearMiss(frozenset({"AU"}), d.NDB_ENTITY, "people in Australia"),
)
