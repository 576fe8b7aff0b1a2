"""UK GDPR Art. 33 and 34: the GDPR rules with the ICO as the authority.

Same interpretation as `gdpr.py` (risk not `none` -> ICO within 72 hours; risk
`high` without an Art. 34(3) exemption -> data subjects without undue delay). The
catalogue has no UK processor obligation code, so `uk-gdpr-processor` is not a
designation.
"""

from __future__ import annotations

from . import designations as d
from .gdpr import ART_33_3_FIELDS, ART_34_2_FIELDS, LATE_FIELDS, ControllerLaw, evaluate_controller_law
from .model import Context, NearMiss, ObligationSpec, Regime, RegimeOutcome

ICO = ObligationSpec(
    code="UK-GDPR/ico",
    regime="UK-GDPR",
    recipient="Information Commissioner's Office",
    basis="UK GDPR Art. 33(1)",
    required_fields=ART_33_3_FIELDS,
    late_fields=LATE_FIELDS,
)
DATA_SUBJECTS = ObligationSpec(
    code="UK-GDPR/data-subjects",
    regime="UK-GDPR",
    recipient="Data subjects",
    basis="UK GDPR Art. 34(1)",
    required_fields=ART_34_2_FIELDS,
)
UK_GDPR_LAW = ControllerLaw(
    regime="UK-GDPR",
    law="UK GDPR",
    controller_designation=d.UK_GDPR_CONTROLLER,
    processor_designation=None,
    authority=ICO,
    data_subjects=DATA_SUBJECTS,
    controller=None,
    authority_label="the Information Commissioner's Office",
)


def evaluate(context: Context) -> RegimeOutcome:
    return evaluate_controller_law(context, UK_GDPR_LAW)


REGIME = Regime(
    code="UK-GDPR",
    name="UK General Data Protection Regulation",
    enabled=True,
    specs=(ICO, DATA_SUBJECTS),
    evaluate=evaluate,
    scope=frozenset({d.UK_GDPR_CONTROLLER}),
    near_miss=NearMiss(frozenset({"GB"}), d.UK_GDPR_CONTROLLER, "UK residents"),
)
