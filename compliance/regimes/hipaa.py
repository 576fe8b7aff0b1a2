"""HIPAA Breach Notification Rule, 45 CFR 164.400-414.

Interpretations (decided by the lead):
* every HIPAA obligation needs PHI involved (`phi`), unsecured (`unsecured`) and a
  breach not disproved: `risk: none` records that the four-factor assessment of
  164.402(2) showed a low probability of compromise; an unassessed risk (null)
  keeps the presumption of a breach;
* individuals and the business associate's notice to the covered entity: 60
  calendar days after discovery (end of day 60, discovery date = day 0);
* media: one obligation per US state (`by_jurisdiction` key `US-XX`) with *more
  than* 500 residents;
* HHS: the total is max(`subjects`, sum of `by_jurisdiction`); 500 or more ->
  60 calendar days after discovery; fewer -> the annual log, due at the end of
  the 60th day after 31 December of the discovery year (local year of `aware_at`).
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
    risk_is_none,
)
from .primitives import after_calendar_days, after_end_of_year

CONTENT_164_404_C = (
    "what_happened",
    "breach_date",
    "discovery_date",
    "phi_types",
    "steps_for_individuals",
    "entity_actions",
    "contact_procedures",
)
DAYS = 60
MEDIA_THRESHOLD = 500
HHS_IMMEDIATE_THRESHOLD = 500
US_STATE_PREFIX = "US-"

INDIVIDUALS = ObligationSpec(
    code="HIPAA/individuals",
    regime="HIPAA",
    recipient="Each affected individual",
    basis="45 CFR 164.404",
    required_fields=CONTENT_164_404_C,
)
MEDIA = ObligationSpec(
    code="HIPAA/media",
    regime="HIPAA",
    recipient="Prominent media outlets serving the state",
    basis="45 CFR 164.406",
    required_fields=CONTENT_164_404_C,
)
HHS = ObligationSpec(
    code="HIPAA/hhs",
    regime="HIPAA",
    recipient="HHS Secretary (Office for Civil Rights)",
    basis="45 CFR 164.408",
    required_fields=(*CONTENT_164_404_C, "affected_individuals"),
)
COVERED_ENTITY = ObligationSpec(
    code="HIPAA/covered-entity",
    regime="HIPAA",
    recipient="The covered entity",
    basis="45 CFR 164.410",
    required_fields=("affected_individuals", "what_happened", "breach_date", "discovery_date", "phi_types"),
)


def media_code(state: str) -> str:
    """`HIPAA/media:US-TX` for the state key `US-TX`."""
    return f"{MEDIA.code}:{state}"


def evaluate(context: Context) -> RegimeOutcome:
    is_covered_entity = context.has(d.HIPAA_COVERED_ENTITY)
    is_business_associate = context.has(d.HIPAA_BUSINESS_ASSOCIATE)
    if not is_covered_entity and not is_business_associate:
        return not_applicable(
            f"The entity is not designated {d.HIPAA_COVERED_ENTITY} or {d.HIPAA_BUSINESS_ASSOCIATE}",
            would_apply_if=(designated(d.HIPAA_COVERED_ENTITY, d.HIPAA_BUSINESS_ASSOCIATE),),
        )
    personal_data = context.facts.personal_data
    if not personal_data.phi:
        return not_applicable(
            "No protected health information (PHI) involved",
            would_apply_if=("protected health information (PHI) were involved",),
        )
    if not personal_data.unsecured:
        return not_applicable(
            "The PHI was secured (encrypted or destroyed per HHS guidance): not a breach of unsecured PHI "
            "(45 CFR 164.402)",
            would_apply_if=("the PHI were unsecured",),
        )
    if risk_is_none(personal_data.risk):
        return not_applicable(
            "Risk none: the four-factor risk assessment demonstrated a low probability that the PHI has "
            "been compromised, so there is no breach (45 CFR 164.402(2))",
            would_apply_if=("the four-factor risk assessment did not show a low probability of compromise",),
        )
    aware_at = context.facts.times.aware_at
    zone = context.entity_zone
    sixty_days = after_calendar_days(aware_at, DAYS, zone)
    outcome = RegimeOutcome(
        applies=True,
        reasons=[
            f"Unsecured PHI involved and the breach is not disproved ({describe_risk(personal_data.risk)})"
        ],
    )
    if is_covered_entity:
        outcome.reasons.append(
            f"{d.HIPAA_COVERED_ENTITY}: notify each individual within {DAYS} calendar days"
        )
        outcome.obligations.append(
            INDIVIDUALS.make(
                context, clock_start=aware_at, due_at=sixty_days, rule=f"{DAYS} calendar days after discovery"
            )
        )
        total = personal_data.total_subjects
        if total >= HHS_IMMEDIATE_THRESHOLD:
            outcome.reasons.append(
                f"HIPAA HHS: {total} individuals in total, {HHS_IMMEDIATE_THRESHOLD} or more: notify HHS "
                f"within {DAYS} calendar days of discovery"
            )
            outcome.obligations.append(
                HHS.make(
                    context,
                    clock_start=aware_at,
                    due_at=sixty_days,
                    rule=f"{DAYS} calendar days after discovery ({HHS_IMMEDIATE_THRESHOLD} or more "
                    "individuals)",
                )
            )
        else:
            outcome.reasons.append(
                f"HIPAA HHS: {total} individuals in total, fewer than {HHS_IMMEDIATE_THRESHOLD}: annual log, "
                f"due {DAYS} days after the end of the calendar year of discovery"
            )
            outcome.obligations.append(
                HHS.make(
                    context,
                    clock_start=aware_at,
                    due_at=after_end_of_year(aware_at, DAYS, zone),
                    rule=f"{DAYS} calendar days after the end of the calendar year of discovery "
                    f"(fewer than {HHS_IMMEDIATE_THRESHOLD} individuals)",
                )
            )
        states = sorted(
            (key, count)
            for key, count in personal_data.by_jurisdiction.items()
            if key.startswith(US_STATE_PREFIX)
        )
        if not states:
            outcome.reasons.append("HIPAA media: no US state recorded in by_jurisdiction")
        for state, residents in states:
            if residents > MEDIA_THRESHOLD:
                outcome.reasons.append(
                    f"HIPAA media {state}: {residents} residents, more than {MEDIA_THRESHOLD}: notify "
                    "prominent media"
                )
                outcome.obligations.append(
                    MEDIA.make(
                        context,
                        code=media_code(state),
                        recipient=f"Prominent media outlets serving {state}",
                        clock_start=aware_at,
                        due_at=sixty_days,
                        rule=f"{DAYS} calendar days after discovery (more than {MEDIA_THRESHOLD} residents "
                        f"of {state})",
                    )
                )
            else:
                outcome.reasons.append(
                    f"HIPAA media {state}: {residents} residents, the threshold is more than "
                    f"{MEDIA_THRESHOLD}"
                )
    if is_business_associate:
        outcome.reasons.append(
            f"{d.HIPAA_BUSINESS_ASSOCIATE}: notify the covered entity within {DAYS} calendar days of "
            "discovery"
        )
        outcome.obligations.append(
            COVERED_ENTITY.make(
                context, clock_start=aware_at, due_at=sixty_days, rule=f"{DAYS} calendar days after discovery"
            )
        )
    return outcome


REGIME = Regime(
    code="HIPAA",
    name="HIPAA Breach Notification Rule",
    enabled=True,
    specs=(INDIVIDUALS, MEDIA, HHS, COVERED_ENTITY),
    evaluate=evaluate,
    scope=frozenset({d.HIPAA_COVERED_ENTITY, d.HIPAA_BUSINESS_ASSOCIATE}),
    near_miss=NearMiss(frozenset({"US"}), d.HIPAA_COVERED_ENTITY, "US residents"),
)
