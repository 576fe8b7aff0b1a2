"""NYDFS Cybersecurity Regulation, 23 NYCRR 500.17.

* notice: 72 hours after the determination that a cybersecurity incident has
  occurred (`incident_determined_at`); without that time there is nothing to count
  from and no determination, so no notice is listed;
* extortion payment (`ransom_paid_at`): notice within 24 hours, written
  explanation within 30 calendar days (end of day 30 in the entity's zone).
"""

from __future__ import annotations

from . import designations as d
from .model import Context, ObligationSpec, Regime, RegimeOutcome, designated, not_applicable
from .primitives import after_calendar_days, after_hours

RECIPIENT = "NY Superintendent of Financial Services"
NOTICE_HOURS = 72
EXTORTION_NOTICE_HOURS = 24
EXPLANATION_DAYS = 30

NOTICE = ObligationSpec(
    code="NYDFS/notice",
    regime="NYDFS",
    recipient=RECIPIENT,
    basis="23 NYCRR 500.17(a)(1)",
    required_fields=(
        "incident_description",
        "determination_date",
        "affected_systems",
        "nonpublic_information_involved",
        "remediation_status",
        "contact_point",
    ),
)
EXTORTION_NOTICE = ObligationSpec(
    code="NYDFS/extortion-notice",
    regime="NYDFS",
    recipient=RECIPIENT,
    basis="23 NYCRR 500.17(c)(1)",
    required_fields=("payment_date", "payment_amount"),
)
EXTORTION_EXPLANATION = ObligationSpec(
    code="NYDFS/extortion-explanation",
    regime="NYDFS",
    recipient=RECIPIENT,
    basis="23 NYCRR 500.17(c)(2)",
    required_fields=(
        "reasons_payment_necessary",
        "alternatives_considered",
        "diligence_on_alternatives",
        "sanctions_compliance",
    ),
)


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.NYDFS_COVERED_ENTITY):
        return not_applicable(
            f"The entity is not designated {d.NYDFS_COVERED_ENTITY}",
            would_apply_if=(designated(d.NYDFS_COVERED_ENTITY),),
        )
    times = context.facts.times
    outcome = RegimeOutcome(applies=False)
    determined_at = times.incident_determined_at
    if determined_at is None:
        outcome.reasons.append(
            "No cybersecurity incident determination recorded (incident_determined_at): no 72-hour notice yet"
        )
    else:
        outcome.reasons.append("Cybersecurity incident determined: notify the Superintendent within 72 hours")
        outcome.obligations.append(
            NOTICE.make(
                context,
                clock_start=determined_at,
                due_at=after_hours(determined_at, NOTICE_HOURS),
                rule=f"{NOTICE_HOURS} hours after determining that a cybersecurity incident occurred",
            )
        )
    paid_at = times.ransom_paid_at
    if paid_at is None:
        outcome.reasons.append("No extortion payment recorded (ransom_paid_at): no extortion notice")
    else:
        outcome.reasons.append(
            "Extortion payment made: notice within 24 hours and written explanation within 30 calendar days"
        )
        outcome.obligations.append(
            EXTORTION_NOTICE.make(
                context,
                clock_start=paid_at,
                due_at=after_hours(paid_at, EXTORTION_NOTICE_HOURS),
                rule=f"{EXTORTION_NOTICE_HOURS} hours after the extortion payment",
            )
        )
        outcome.obligations.append(
            EXTORTION_EXPLANATION.make(
                context,
                clock_start=paid_at,
                due_at=after_calendar_days(paid_at, EXPLANATION_DAYS, context.entity_zone),
                rule=f"{EXPLANATION_DAYS} calendar days after the extortion payment",
            )
        )
    outcome.applies = bool(outcome.obligations)
    if not outcome.applies:
        outcome.would_apply_if.append(
            "the determination of a cybersecurity incident (incident_determined_at) or an extortion payment "
            "(ransom_paid_at) were recorded"
        )
    return outcome


REGIME = Regime(
    code="NYDFS",
    name="NYDFS Cybersecurity Regulation (23 NYCRR 500)",
    enabled=True,
    specs=(NOTICE, EXTORTION_NOTICE, EXTORTION_EXPLANATION),
    evaluate=evaluate,
    scope=frozenset({d.NYDFS_COVERED_ENTITY}),
)
