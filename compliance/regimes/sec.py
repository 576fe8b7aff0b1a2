"""SEC Form 8-K Item 1.05 (Release 33-11216): material cybersecurity incidents.

Due at 17:30 New York time (EDGAR's filing cut-off, 17 CFR 232.13) on the fourth
US federal business day after the materiality determination; the business days
are counted on New York dates whatever the entity's own zone, and the clock start
is shown in New York time too. `material: true` without
`materiality_determined_at` lists the 8-K with no due time, flagged urgent, and
asks for the determination time to be recorded (the determination happened, only
its time is missing).
"""

from __future__ import annotations

from datetime import time

from . import designations as d
from .model import Context, ObligationSpec, Regime, RegimeOutcome, designated, not_applicable
from .primitives import after_business_days, zone

NEW_YORK = "America/New_York"
BUSINESS_DAYS = 4
EDGAR_CUTOFF = time(17, 30)
HOLIDAY_COUNTRY = "US"

FORM_8K = ObligationSpec(
    code="SEC-8K/8-k",
    regime="SEC-8K",
    recipient="SEC (EDGAR Form 8-K Item 1.05)",
    basis="SEC Release 33-11216, Form 8-K Item 1.05; 17 CFR 232.13",
    required_fields=("nature", "scope", "timing", "material_impact", "undetermined_information"),
)


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.SEC_REGISTRANT):
        return not_applicable(
            f"The entity is not designated {d.SEC_REGISTRANT}", would_apply_if=(designated(d.SEC_REGISTRANT),)
        )
    if not context.facts.material:
        return not_applicable(
            "The incident has not been determined material: no Form 8-K Item 1.05",
            would_apply_if=("the incident were determined material",),
        )
    new_york = zone(NEW_YORK)
    determined_at = context.facts.times.materiality_determined_at
    if determined_at is None:
        return RegimeOutcome(
            applies=True,
            reasons=[
                "SEC registrant with a material incident, but materiality_determined_at is not recorded: "
                "the 8-K is shown as urgent until it is"
            ],
            obligations=[
                FORM_8K.make(
                    context,
                    clock_start=None,
                    due_at=None,
                    rule="4 US federal business days after the materiality determination, by 17:30 New York "
                    "time; record materiality_determined_at to compute the due time",
                    deadline_zone=new_york,
                )
            ],
        )
    return RegimeOutcome(
        applies=True,
        reasons=[
            "SEC registrant with a material incident: Form 8-K Item 1.05 by 17:30 New York time on the 4th "
            "US federal business day after the materiality determination"
        ],
        obligations=[
            FORM_8K.make(
                context,
                clock_start=determined_at,
                due_at=after_business_days(
                    determined_at, BUSINESS_DAYS, new_york, HOLIDAY_COUNTRY, at=EDGAR_CUTOFF
                ),
                rule="4 US federal business days after the materiality determination, 17:30 New York time",
                deadline_zone=new_york,
            )
        ],
    )


REGIME = Regime(
    code="SEC-8K",
    name="SEC Form 8-K Item 1.05",
    enabled=True,
    specs=(FORM_8K,),
    evaluate=evaluate,
    scope=frozenset({d.SEC_REGISTRANT}),
)
