"""Regulatory clock engine: incident facts in, notification obligations out.

Pure Python, no Django: the portal, the `assess` command and the API call
`assess_json` (or `parse_facts` + `assess`). The counting conventions and the
regimes are those of shared `regimes/RULES.md`; each regime module's docstring
records how an open question was decided.
"""

from .catalogue import (
    CATALOGUE,
    OBLIGATION_CODES,
    REGIME_CODES,
    RegimeInfo,
    is_builtin_obligation_code,
    obligation_spec,
)
from .custom import UNITS, CustomRegimeError, CustomRegimeSpec
from .designations import DESIGNATIONS, DORA_DESIGNATIONS
from .engine import AssessmentResult, assess, assess_json, required_fields_for
from .facts import (
    DATA_SUBJECT_EXEMPTIONS,
    RISK_VALUES,
    TIME_FIELDS,
    Entity,
    Facts,
    FactsError,
    PersonalData,
    Times,
    parse_facts,
)
from .model import Obligation, ObligationSpec, RegimeExplanation

__all__ = [
    "CATALOGUE",
    "DATA_SUBJECT_EXEMPTIONS",
    "DESIGNATIONS",
    "DORA_DESIGNATIONS",
    "OBLIGATION_CODES",
    "REGIME_CODES",
    "RISK_VALUES",
    "TIME_FIELDS",
    "UNITS",
    "AssessmentResult",
    "CustomRegimeError",
    "CustomRegimeSpec",
    "Entity",
    "Facts",
    "FactsError",
    "Obligation",
    "ObligationSpec",
    "PersonalData",
    "RegimeExplanation",
    "RegimeInfo",
    "Times",
    "assess",
    "assess_json",
    "is_builtin_obligation_code",
    "obligation_spec",
    "parse_facts",
    "required_fields_for",
]
