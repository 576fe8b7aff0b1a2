"""PIPEDA s 10.1: breaches of security safeguards with a real risk of significant harm.

`pipeda-organisation`, the breach determined (`incident_determined_at`) and the
risk `high` (real risk of significant harm): report to the OPC and notify the
individuals as soon as feasible (urgent, no fixed time). Without the
determination time there is no determined breach yet.
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

OPC = ObligationSpec(
    code="PIPEDA/opc",
    regime="PIPEDA",
    recipient="Office of the Privacy Commissioner of Canada and affected individuals",
    basis="PIPEDA s 10.1(1), (3); Breach of Security Safeguards Regulations s 2",
    required_fields=(
        "breach_description",
        "breach_date",
        "personal_information",
        "affected_individuals",
        "risk_reduction_steps",
        "notification_steps",
        "contact_point",
    ),
)


def evaluate(context: Context) -> RegimeOutcome:
    if not context.has(d.PIPEDA_ORGANISATION):
        return not_applicable(
            f"The entity is not designated {d.PIPEDA_ORGANISATION}",
            would_apply_if=(designated(d.PIPEDA_ORGANISATION),),
        )
    determined_at = context.facts.times.incident_determined_at
    if determined_at is None:
        return not_applicable(
            "No breach determination recorded (incident_determined_at)",
            would_apply_if=("the determination of the breach (incident_determined_at) were recorded",),
        )
    risk = context.facts.personal_data.risk
    if risk != "high":
        return not_applicable(
            f"{describe_risk(risk).capitalize()} is not a real risk of significant harm: keep a record (s "
            "10.3), no report",
            would_apply_if=("the risk were high (a real risk of significant harm)",),
        )
    return RegimeOutcome(
        applies=True,
        reasons=[
            "Real risk of significant harm (risk high): report to the OPC and notify individuals as soon as "
            "feasible"
        ],
        obligations=[
            OPC.make(
                context,
                clock_start=determined_at,
                due_at=None,
                rule="As soon as feasible after determining that the breach creates a real risk of "
                "significant harm",
            )
        ],
    )


REGIME = Regime(
    code="PIPEDA",
    name="Canada PIPEDA breach reporting",
    enabled=True,
    specs=(OPC,),
    evaluate=evaluate,
    scope=frozenset({d.PIPEDA_ORGANISATION}),
    near_miss=NearMiss(frozenset({"CA"}), d.PIPEDA_ORGANISATION, "people in Canada"),
)
