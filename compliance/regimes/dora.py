"""DORA major ICT-related incident reporting: Regulation (EU) 2022/2554 Art. 19 and
Delegated Regulation (EU) 2025/301 Art. 5.

Interpretations (decided by the lead or here):
* applies to any `dora-*` designation (see `designations.DORA_DESIGNATIONS`) when
  the incident is `major`;
* initial: the earlier of classification + 4 h and awareness + 24 h; when the
  classification comes more than 24 h after awareness, classification + 4 h;
* `major: true` without `classified_major_at`: the initial notification is listed
  with no due time and flagged urgent (the classification happened, only its time
  is missing), and the rule text asks for the time to be recorded. The
  intermediate and final reports are then only listed once the initial report is
  submitted, because they have no base to count from;
* intermediate: initial submission (provisionally its due time) + 72 h; final:
  intermediate submission (provisionally its due time) + 1 month. A follow-up
  counts from the *effective* (possibly rolled) due time of the report before it;
* weekend rule (Art. 5(4)-(5)): a deadline whose local date (entity zone) is a
  Saturday, Sunday or public holiday of the entity's country moves to 12:00 of the
  next working day. Not for the initial and intermediate reports of credit
  institutions, central counterparties, trading venue operators and NIS2
  essential/important entities; always for the final report. Without a country
  (or one the holiday calendar does not know) only weekends move deadlines.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from . import designations as d
from .model import Context, ObligationSpec, Regime, RegimeOutcome, local_day_text, not_applicable
from .primitives import (
    SATURDAY,
    after_hours,
    after_one_month,
    earliest,
    has_holiday_calendar,
    is_working_day,
    local_date,
    roll_to_next_working_day_noon,
)

RECIPIENT = "Competent authority"
DORA = "Regulation (EU) 2022/2554"
RTS = "Delegated Regulation (EU) 2025/301"
INITIAL_AFTER_CLASSIFICATION_HOURS = 4
INITIAL_AFTER_AWARENESS_HOURS = 24
INTERMEDIATE_HOURS = 72

INITIAL = ObligationSpec(
    code="DORA/initial",
    regime="DORA",
    recipient=RECIPIENT,
    basis=f"{DORA} Art. 19(4)(a); {RTS} Art. 5(1)(a)",
    required_fields=(
        "incident_reference",
        "detection_time",
        "classification_time",
        "description",
        "criteria_met",
        "member_states_affected",
        "discovery_method",
        "origin",
        "business_continuity_activated",
    ),
)
INTERMEDIATE = ObligationSpec(
    code="DORA/intermediate",
    regime="DORA",
    recipient=RECIPIENT,
    basis=f"{DORA} Art. 19(4)(b); {RTS} Art. 5(1)(b)",
    required_fields=(
        "occurrence_time",
        "recovery_time",
        "incident_type",
        "affected_services",
        "client_impact",
        "recovery_actions",
        "indicators_of_compromise",
    ),
)
FINAL = ObligationSpec(
    code="DORA/final",
    regime="DORA",
    recipient=RECIPIENT,
    basis=f"{DORA} Art. 19(4)(c); {RTS} Art. 5(1)(c)",
    required_fields=(
        "root_cause",
        "resolution_time",
        "lessons_learned",
        "direct_costs",
        "indirect_costs",
        "recoveries",
    ),
)


def _apply_weekend_rule(
    due: datetime, deadline_zone: ZoneInfo, country: str | None, *, allowed: bool
) -> tuple[datetime, str]:
    """The due time after the weekend rule, and a note for the rule text when it moved."""
    if not allowed or is_working_day(local_date(due, deadline_zone), country):
        return due, ""
    rolled = roll_to_next_working_day_noon(due, deadline_zone, country)
    due_day = local_date(due, deadline_zone)
    why = "a weekend day" if due_day.weekday() >= SATURDAY else f"a public holiday in {country}"
    return rolled, (
        f"; {local_day_text(due, deadline_zone)} is {why}, so moved to 12:00 on "
        f"{local_day_text(rolled, deadline_zone)}, the next working day ({RTS} Art. 5(4))"
    )


def _holiday_reason(country: str | None) -> str:
    if country is None:
        return "No entity country recorded: the weekend rule moves only Saturday and Sunday deadlines"
    if not has_holiday_calendar(country):
        return (
            f"No public-holiday calendar for {country}: the weekend rule moves only Saturday and Sunday "
            "deadlines"
        )
    return f"The weekend rule uses the national public holidays of {country}"


_NOT_AN_ENTITY = (
    "the entity carried a DORA financial-entity designation (dora-*, e.g. dora-credit-institution)",
)
_MAJOR = ("the incident were classified as major (Del. Reg. (EU) 2024/1772)",)


def evaluate(context: Context) -> RegimeOutcome:
    designations = context.facts.entity.designations
    dora_designations = sorted(designations & d.DORA_DESIGNATIONS)
    if not dora_designations:
        return not_applicable(
            "The entity carries no DORA financial-entity designation (dora-*)", would_apply_if=_NOT_AN_ENTITY
        )
    if not context.facts.major:
        return not_applicable(
            "The incident is not classified as major: no DORA incident reporting", would_apply_if=_MAJOR
        )
    times = context.facts.times
    zone = context.entity_zone
    country = context.facts.entity.country
    excluded_by = sorted(designations & d.DORA_WEEKEND_RULE_EXCLUDED)
    early_reports_may_roll = not excluded_by
    outcome = RegimeOutcome(
        applies=True,
        reasons=[
            f"{', '.join(dora_designations)} with a major ICT-related incident: initial notification, "
            "intermediate and final reports",
            _holiday_reason(country),
        ],
    )
    nis2 = sorted(designations & d.NIS2_ENTITIES)
    if nis2 and d.NIS2_DORA_PARALLEL not in designations:
        outcome.reasons.append(
            f"Lex specialis: the incident is reported under DORA only; the NIS2 obligations do not apply "
            f"although the entity is designated {', '.join(nis2)} (DORA Art. 1(2); NIS2 Art. 4)"
        )
    elif nis2:
        outcome.reasons.append(
            f"{d.NIS2_DORA_PARALLEL}: the NIS2 reports are due as well as DORA's (DORA Art. 19(1))"
        )
    if excluded_by:
        outcome.reasons.append(
            f"Weekend rule not available for the initial and intermediate reports ({', '.join(excluded_by)}, "
            f"{RTS} Art. 5(5)); it still applies to the final report"
        )

    classified_at = times.classified_major_at
    aware_at = times.aware_at
    initial_due: datetime | None
    if classified_at is None:
        initial_due = None
        outcome.reasons.append(
            "Major, but the classification time (classified_major_at) is not recorded: the initial "
            "notification is shown as urgent until it is"
        )
        initial_rule = (
            "4 hours after classification as major and no later than 24 hours after becoming aware; record "
            "classified_major_at to compute the due time"
        )
    else:
        after_classification = after_hours(classified_at, INITIAL_AFTER_CLASSIFICATION_HOURS)
        if classified_at - aware_at > timedelta(hours=INITIAL_AFTER_AWARENESS_HOURS):
            initial_due = after_classification
            initial_rule = (
                "4 hours after classification as major (classified more than 24 hours after becoming aware)"
            )
        else:
            initial_due = earliest(after_classification, after_hours(aware_at, INITIAL_AFTER_AWARENESS_HOURS))
            initial_rule = (
                "4 hours after classification as major, no later than 24 hours after becoming aware"
            )
        initial_due, note = _apply_weekend_rule(initial_due, zone, country, allowed=early_reports_may_roll)
        initial_rule += note
    outcome.obligations.append(
        INITIAL.make(context, clock_start=classified_at, due_at=initial_due, rule=initial_rule)
    )

    initial_submitted_at = context.submission_of(INITIAL.code)
    if initial_submitted_at is not None:
        intermediate_base, intermediate_provisional = initial_submitted_at, False
        intermediate_from = "the initial notification was submitted"
    elif initial_due is not None:
        intermediate_base, intermediate_provisional = initial_due, True
        intermediate_from = "the initial notification's due time (provisional until it is submitted)"
    else:
        outcome.reasons.append(
            "The intermediate and final reports are listed once the initial notification is submitted or "
            "classified_major_at is recorded"
        )
        return outcome
    intermediate_due, note = _apply_weekend_rule(
        after_hours(intermediate_base, INTERMEDIATE_HOURS), zone, country, allowed=early_reports_may_roll
    )
    outcome.obligations.append(
        INTERMEDIATE.make(
            context,
            clock_start=intermediate_base,
            due_at=intermediate_due,
            rule=f"{INTERMEDIATE_HOURS} hours after {intermediate_from}{note}",
            provisional=intermediate_provisional,
        )
    )

    final_base, final_provisional = context.follow(INTERMEDIATE.code, intermediate_due)
    final_from = (
        "the intermediate report's due time (provisional until it is submitted)"
        if final_provisional
        else "the latest intermediate report was submitted"
    )
    final_due, note = _apply_weekend_rule(after_one_month(final_base, zone), zone, country, allowed=True)
    outcome.obligations.append(
        FINAL.make(
            context,
            clock_start=final_base,
            due_at=final_due,
            rule=f"One month after {final_from}{note}",
            provisional=final_provisional,
        )
    )
    return outcome


REGIME = Regime(
    code="DORA",
    name="Digital Operational Resilience Act",
    enabled=True,
    specs=(INITIAL, INTERMEDIATE, FINAL),
    evaluate=evaluate,
    scope=d.DORA_DESIGNATIONS,
)
