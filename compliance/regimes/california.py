"""California Civil Code 1798.82 as amended by SB 446.

* `ca-business`, personal data involved, and California residents affected
  (`by_jurisdiction["US-CA"]` > 0): notify the residents within 30 calendar days of
  discovery (end of day 30, entity zone);
* more than 500 California residents: submit a sample copy to the Attorney General
  within 15 calendar days after the resident notice (its submission, or
  provisionally its due time).
"""

from __future__ import annotations

from . import designations as d
from .model import Context, NearMiss, ObligationSpec, Regime, RegimeOutcome, designated, not_applicable
from .primitives import after_calendar_days

CALIFORNIA = "US-CA"
RESIDENT_DAYS = 30
ATTORNEY_GENERAL_DAYS = 15
ATTORNEY_GENERAL_THRESHOLD = 500
CODE = "Cal. Civ. Code 1798.82"

RESIDENTS = ObligationSpec(
    code="CA-1798.82/residents",
    regime="CA-1798.82",
    recipient="Affected California residents",
    basis=f"{CODE}(a), (d) as amended by SB 446",
    required_fields=(
        "what_happened",
        "what_information_was_involved",
        "what_we_are_doing",
        "what_you_can_do",
        "for_more_information",
        "breach_date",
        "notice_date",
    ),
)
ATTORNEY_GENERAL = ObligationSpec(
    code="CA-1798.82/attorney-general",
    regime="CA-1798.82",
    recipient="California Attorney General",
    basis=f"{CODE}(f) as amended by SB 446",
    required_fields=("sample_notice", "affected_residents", "breach_date", "notice_date"),
)


_PERSONAL_DATA = "personal data were involved"
_RESIDENTS = f"California residents were among the affected people ({CALIFORNIA} in subjects by jurisdiction)"


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.CA_BUSINESS):
        return not_applicable(
            f"The entity is not designated {d.CA_BUSINESS}: the law binds businesses that own or license "
            "California residents' personal information",
            would_apply_if=(designated(d.CA_BUSINESS),),
        )
    personal_data = context.facts.personal_data
    if not personal_data.involved:
        return not_applicable("No personal data involved", would_apply_if=(_PERSONAL_DATA,))
    residents = personal_data.by_jurisdiction.get(CALIFORNIA, 0)
    if residents <= 0:
        return not_applicable(
            f"No California residents recorded ({CALIFORNIA} in by_jurisdiction)",
            would_apply_if=(_RESIDENTS,),
        )
    aware_at = context.facts.times.aware_at
    zone = context.entity_zone
    residents_due = after_calendar_days(aware_at, RESIDENT_DAYS, zone)
    outcome = RegimeOutcome(
        applies=True,
        reasons=[
            f"{residents} California residents affected: notify them within {RESIDENT_DAYS} calendar days"
        ],
        obligations=[
            RESIDENTS.make(
                context,
                clock_start=aware_at,
                due_at=residents_due,
                rule=f"{RESIDENT_DAYS} calendar days after discovery",
            )
        ],
    )
    if residents > ATTORNEY_GENERAL_THRESHOLD:
        base, provisional = context.follow(RESIDENTS.code, residents_due)
        outcome.reasons.append(
            f"Attorney General: {residents} residents, more than {ATTORNEY_GENERAL_THRESHOLD}: submit a "
            f"sample notice within {ATTORNEY_GENERAL_DAYS} calendar days of the resident notice"
        )
        outcome.obligations.append(
            ATTORNEY_GENERAL.make(
                context,
                clock_start=base,
                due_at=after_calendar_days(base, ATTORNEY_GENERAL_DAYS, zone),
                rule=f"{ATTORNEY_GENERAL_DAYS} calendar days after "
                + (
                    "the resident notice's due time (provisional until it is sent)"
                    if provisional
                    else "the resident notice was sent"
                ),
                provisional=provisional,
            )
        )
    else:
        outcome.reasons.append(
            f"Attorney General: {residents} residents, the threshold is more than "
            f"{ATTORNEY_GENERAL_THRESHOLD}"
        )
    return outcome


REGIME = Regime(
    code="CA-1798.82",
    name="California data breach notification law",
    enabled=True,
    specs=(RESIDENTS, ATTORNEY_GENERAL),
    evaluate=evaluate,
    scope=frozenset({d.CA_BUSINESS}),
    near_miss=NearMiss(frozenset({CALIFORNIA}), d.CA_BUSINESS, "California residents"),
)
