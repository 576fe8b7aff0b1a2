"""CERT-In Directions of 28 April 2022: report cyber incidents within 6 hours of noticing them.

The designation alone brings the entity in scope: the Directions cover every
reportable cyber incident, with or without personal data.
"""

from __future__ import annotations

from . import designations as d
from .model import Context, ObligationSpec, Regime, RegimeOutcome, designated, not_applicable
from .primitives import after_hours

HOURS = 6

REPORT = ObligationSpec(
    code="CERT-IN/report",
    regime="CERT-IN",
    recipient="CERT-In (Indian Computer Emergency Response Team)",
    basis="CERT-In Directions of 28 April 2022 under s. 70B(6) of the Information Technology Act 2000, "
    "direction (ii)",
    required_fields=(
        "incident_type",
        "occurrence_time",
        "detection_time",
        "affected_systems",
        "description",
        "contact_point",
    ),
)


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.CERTIN_SERVICE_PROVIDER):
        return not_applicable(
            f"The entity is not designated {d.CERTIN_SERVICE_PROVIDER}",
            would_apply_if=(designated(d.CERTIN_SERVICE_PROVIDER),),
        )
    aware_at = context.facts.times.aware_at
    return RegimeOutcome(
        applies=True,
        reasons=[f"{d.CERTIN_SERVICE_PROVIDER}: report the cyber incident to CERT-In within {HOURS} hours"],
        obligations=[
            REPORT.make(
                context,
                clock_start=aware_at,
                due_at=after_hours(aware_at, HOURS),
                rule=f"{HOURS} hours after noticing the incident",
            )
        ],
    )


REGIME = Regime(
    code="CERT-IN",
    name="CERT-In Directions (India)",
    enabled=True,
    specs=(REPORT,),
    evaluate=evaluate,
    scope=frozenset({d.CERTIN_SERVICE_PROVIDER}),
)
