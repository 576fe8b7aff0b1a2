"""LGPD (Law 13.709/2018) Art. 48 and Resolution CD/ANPD No. 15/2024.

* `lgpd-controller`, personal data involved, risk not `none` (an unassessed risk
  counts as a risk): ANPD and data subjects within 3 business days of awareness,
  doubled to 6 for a small processing agent (`lgpd-small-agent`);
* complement: 20 business days after the communication to the ANPD (its
  submission, or provisionally its due time); not doubled for small agents;
* business days skip weekends and Brazilian national public holidays; the
  deadline is the end of the last business day in the entity's zone.
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
from .primitives import after_business_days

RESOLUTION = "Resolution CD/ANPD No. 15/2024"
HOLIDAY_COUNTRY = "BR"
COMMUNICATION_DAYS = 3
SMALL_AGENT_FACTOR = 2
COMPLEMENT_DAYS = 20

ART_6_FIELDS = (
    "data_categories",
    "data_subjects",
    "security_measures",
    "risks",
    "delay_reasons",
    "mitigation",
    "occurrence_date",
    "knowledge_date",
    "dpo_contact",
    "description",
    "cause",
)

ANPD = ObligationSpec(
    code="LGPD/anpd",
    regime="LGPD",
    recipient="ANPD (National Data Protection Authority)",
    basis=f"{RESOLUTION} Art. 6; Law 13.709/2018 (LGPD) Art. 48",
    required_fields=ART_6_FIELDS,
)
DATA_SUBJECTS = ObligationSpec(
    code="LGPD/data-subjects",
    regime="LGPD",
    recipient="Data subjects",
    basis=f"{RESOLUTION} Art. 9; Law 13.709/2018 (LGPD) Art. 48",
    required_fields=(
        "description",
        "data_categories",
        "risks",
        "security_measures",
        "mitigation",
        "occurrence_date",
        "dpo_contact",
    ),
)
COMPLEMENT = ObligationSpec(
    code="LGPD/complement",
    regime="LGPD",
    recipient="ANPD (National Data Protection Authority)",
    basis=f"{RESOLUTION} Art. 6 (complementary information)",
    required_fields=ART_6_FIELDS,
)


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.LGPD_CONTROLLER):
        reason = f"The entity is not designated {d.LGPD_CONTROLLER}"
        if context.has(d.LGPD_SMALL_AGENT):
            reason += f" ({d.LGPD_SMALL_AGENT} only doubles the deadlines)"
        return not_applicable(reason, would_apply_if=(designated(d.LGPD_CONTROLLER),))
    personal_data = context.facts.personal_data
    if not personal_data.involved:
        return not_applicable("No personal data involved", would_apply_if=("personal data were involved",))
    if risk_is_none(personal_data.risk):
        return not_applicable(
            "Risk none: the incident cannot cause relevant risk or damage to data subjects (LGPD Art. 48)",
            would_apply_if=("the risk to data subjects were assessed as other than none",),
        )
    is_small_agent = context.has(d.LGPD_SMALL_AGENT)
    days = COMMUNICATION_DAYS * SMALL_AGENT_FACTOR if is_small_agent else COMMUNICATION_DAYS
    aware_at = context.facts.times.aware_at
    zone = context.entity_zone
    communication_due = after_business_days(aware_at, days, zone, HOLIDAY_COUNTRY)
    days_text = f"{days} Brazilian business days after becoming aware" + (
        " (doubled for a small processing agent)" if is_small_agent else ""
    )
    outcome = RegimeOutcome(
        applies=True,
        reasons=[
            f"{d.LGPD_CONTROLLER}, personal data involved, {describe_risk(personal_data.risk)}: communicate "
            f"to the ANPD and the data subjects within {days} business days"
            + (f" ({d.LGPD_SMALL_AGENT}: deadline doubled)" if is_small_agent else "")
        ],
    )
    outcome.obligations.append(
        ANPD.make(context, clock_start=aware_at, due_at=communication_due, rule=days_text)
    )
    outcome.obligations.append(
        DATA_SUBJECTS.make(context, clock_start=aware_at, due_at=communication_due, rule=days_text)
    )
    base, provisional = context.follow(ANPD.code, communication_due)
    outcome.reasons.append(
        f"Complementary information within {COMPLEMENT_DAYS} business days of the communication to the ANPD"
    )
    outcome.obligations.append(
        COMPLEMENT.make(
            context,
            clock_start=base,
            due_at=after_business_days(base, COMPLEMENT_DAYS, zone, HOLIDAY_COUNTRY),
            rule=f"{COMPLEMENT_DAYS} Brazilian business days after "
            + (
                "the ANPD communication's due time (provisional until it is submitted)"
                if provisional
                else "the ANPD communication was submitted"
            ),
            provisional=provisional,
        )
    )
    return outcome


REGIME = Regime(
    code="LGPD",
    name="Brazilian General Data Protection Law (LGPD)",
    enabled=True,
    specs=(ANPD, DATA_SUBJECTS, COMPLEMENT),
    evaluate=evaluate,
    scope=frozenset({d.LGPD_CONTROLLER}),
    near_miss=NearMiss(frozenset({HOLIDAY_COUNTRY}), d.LGPD_CONTROLLER, "people in Brazil"),
)
