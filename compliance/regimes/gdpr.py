"""GDPR (Regulation (EU) 2016/679) Art. 33 and 34, and the shared logic of the UK GDPR.

Interpretations (decided by the lead):
* the supervisory authority is notified when a `gdpr-controller` has a breach that
  involves personal data and whose risk is not `none` (an unassessed risk counts
  as a risk, because Art. 33(1) presumes notification unless the breach is
  unlikely to result in a risk): 72 elapsed hours from awareness;
* data subjects are told without undue delay (urgent, no fixed time) when the risk
  is `high` and no Art. 34(3) exemption (`personal_data.data_subject_exemption`)
  is recorded;
* a `gdpr-processor` with personal data involved informs the controller without
  undue delay, whatever the risk (Art. 33(2) has no risk threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import designations as d
from .model import (
    Context,
    NearMiss,
    ObligationSpec,
    Regime,
    RegimeOutcome,
    describe_risk,
    not_applicable,
    risk_is_none,
)
from .primitives import after_hours

ART_33_3_FIELDS = (
    "nature_of_breach",
    "data_subject_categories",
    "approx_data_subjects",
    "record_categories",
    "approx_records",
    "contact_point",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
)
ART_34_2_FIELDS = (
    "nature_of_breach",
    "contact_point",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
)
LATE_FIELDS = ("reasons_for_delay",)

EXEMPTION_LABELS = {
    "encryption": "(a) data unintelligible to unauthorised persons, e.g. encrypted",
    "subsequent-measures": "(b) subsequent measures ensure the high risk is no longer likely to materialise",
    "disproportionate-effort": "(c) individual communication would involve disproportionate effort "
    "(a public communication replaces it)",
}

AUTHORITY_HOURS = 72
# The EU member states and the EEA states that apply the GDPR (ISO 3166-1; Greece is GR).
EEA = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)


@dataclass(frozen=True, slots=True)
class ControllerLaw:
    """What differs between the EU GDPR and the UK GDPR: designations, codes, wording."""

    regime: str
    law: str
    controller_designation: str
    processor_designation: str | None
    authority: ObligationSpec
    data_subjects: ObligationSpec
    controller: ObligationSpec | None
    authority_label: str


def evaluate_controller_law(context: Context, law: ControllerLaw) -> RegimeOutcome:
    """Art. 33/34 for one law; see the module docstring for the interpretation."""
    is_controller = context.has(law.controller_designation)
    is_processor = law.processor_designation is not None and context.has(law.processor_designation)
    if not is_controller and not is_processor:
        wanted = law.controller_designation
        if law.processor_designation is not None:
            wanted += f" or {law.processor_designation}"
        return not_applicable(
            f"The entity is not designated {wanted}", would_apply_if=(f"the entity were designated {wanted}",)
        )
    personal_data = context.facts.personal_data
    if not personal_data.involved:
        return not_applicable(
            f"No personal data involved: {law.law} breach notification concerns personal data breaches only",
            would_apply_if=("personal data were involved",),
        )
    aware_at = context.facts.times.aware_at
    outcome = RegimeOutcome(applies=False)
    if is_controller:
        risk = personal_data.risk
        if risk_is_none(risk):
            outcome.reasons.append(
                f"{law.controller_designation}, personal data involved, risk none: the breach is unlikely to "
                f"result in a risk to individuals, so no notification ({law.law} Art. 33(1)); record it in "
                "the internal breach register (Art. 33(5))"
            )
        else:
            outcome.reasons.append(
                f"{law.controller_designation}, personal data involved, {describe_risk(risk)}: notify "
                f"{law.authority_label} within {AUTHORITY_HOURS} hours of becoming aware"
            )
            outcome.obligations.append(
                law.authority.make(
                    context,
                    clock_start=aware_at,
                    due_at=after_hours(aware_at, AUTHORITY_HOURS),
                    rule=f"{AUTHORITY_HOURS} hours after becoming aware",
                )
            )
            outcome.reasons.append("Every breach also goes into the internal breach register (Art. 33(5))")
            exemption = personal_data.data_subject_exemption
            if risk != "high":
                outcome.reasons.append(
                    f"Data subjects: {describe_risk(risk)} is below high, no communication ({law.law} Art. "
                    "34(1))"
                )
            elif exemption is not None:
                outcome.reasons.append(
                    f"Data subjects: risk high, but the Art. 34(3){EXEMPTION_LABELS[exemption]} exemption is "
                    "recorded, so no communication to data subjects"
                )
            else:
                outcome.reasons.append(
                    "Data subjects: risk high and no Art. 34(3) exemption recorded: communicate without "
                    "undue delay"
                )
                outcome.obligations.append(
                    law.data_subjects.make(
                        context,
                        clock_start=aware_at,
                        due_at=None,
                        rule="Without undue delay after becoming aware (high risk to individuals)",
                    )
                )
    if is_processor and law.controller is not None:
        outcome.reasons.append(
            f"{law.processor_designation} with personal data involved: inform the controller without undue "
            f"delay ({law.law} Art. 33(2), whatever the risk)"
        )
        outcome.obligations.append(
            law.controller.make(
                context,
                clock_start=aware_at,
                due_at=None,
                rule="Without undue delay after becoming aware (processor to controller)",
            )
        )
    outcome.applies = bool(outcome.obligations)
    if not outcome.applies:
        outcome.would_apply_if.append("the risk to individuals were assessed as other than none")
    return outcome


AUTHORITY = ObligationSpec(
    code="GDPR/supervisory-authority",
    regime="GDPR",
    recipient="Lead supervisory authority",
    basis="Regulation (EU) 2016/679 Art. 33(1)",
    required_fields=ART_33_3_FIELDS,
    late_fields=LATE_FIELDS,
)
DATA_SUBJECTS = ObligationSpec(
    code="GDPR/data-subjects",
    regime="GDPR",
    recipient="Data subjects",
    basis="Regulation (EU) 2016/679 Art. 34(1)",
    required_fields=ART_34_2_FIELDS,
)
CONTROLLER = ObligationSpec(
    code="GDPR/controller",
    regime="GDPR",
    recipient="The controller",
    basis="Regulation (EU) 2016/679 Art. 33(2)",
    required_fields=ART_33_3_FIELDS,
)
GDPR_LAW = ControllerLaw(
    regime="GDPR",
    law="GDPR",
    controller_designation=d.GDPR_CONTROLLER,
    processor_designation=d.GDPR_PROCESSOR,
    authority=AUTHORITY,
    data_subjects=DATA_SUBJECTS,
    controller=CONTROLLER,
    authority_label="the lead supervisory authority",
)


def evaluate(context: Context) -> RegimeOutcome:
    return evaluate_controller_law(context, GDPR_LAW)


REGIME = Regime(
    code="GDPR",
    name="EU General Data Protection Regulation",
    enabled=True,
    specs=(AUTHORITY, DATA_SUBJECTS, CONTROLLER),
    evaluate=evaluate,
    scope=frozenset({d.GDPR_CONTROLLER, d.GDPR_PROCESSOR}),
    near_miss=NearMiss(EEA, d.GDPR_CONTROLLER, "residents of the EU/EEA"),
)
