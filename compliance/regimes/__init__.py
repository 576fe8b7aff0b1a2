"""Regulatory clock engine: incident facts in, notification obligations out.

Pure Python, no Django: the portal, the `assess` command and the API call
`assess_json` (or `parse_facts` + `assess`). The counting conventions and the
regimes are those of shared `regimes/RULES.md`; each regime module's docstring
records how an open question was decided. In short:

* Times: hours are elapsed UTC hours; calendar and business days end at 23:59:59
  in the deadline zone (the entity's; New York for the SEC). Non-existent local
  times move forward through the DST gap, ambiguous ones take the first
  occurrence, except 23:59:59, which takes the later one (it names the end of the
  day). Every instant is aware; output offsets are the deadline zone's.
* `personal_data.risk` null means "not assessed" and counts as a risk that is
  not high (GDPR, UK GDPR, LGPD and HIPAA presume notification until the risk is
  shown to be absent).
* A time a clock needs but the facts lack: DORA `major` without
  `classified_major_at` and SEC `material` without `materiality_determined_at`
  list the first report with no due time, urgent, asking for the time; DORA's
  intermediate and final reports wait until the initial report is submitted.
  NYDFS, PDPA-SG, PIPEDA and custom regimes without their clock-start time list
  nothing yet.
* Follow-ups count from the submission when recorded, else provisionally from the
  (effective, e.g. weekend-rolled) due time of the report before them. NIS2's
  final report after a progress report counts from `handling_ended_at` and is not
  provisional.
* `submitted` only moves follow-ups (and adds GDPR `reasons_for_delay` when late);
  it never removes an obligation: closing one is the portal's job.

Callers: `assess_json(data, custom_regimes=..., explain=...)` takes the decoded
facts (or JSON text) and returns the JSON-ready dict; invalid facts raise
`FactsError` (`.field`, `.message`), invalid custom regimes `CustomRegimeError`
(`.attribute`). An API envelope field such as `explain` must be removed before
the facts are passed in: unknown fields are refused.

With `explain`, each regime's line also carries the obligation codes it produced,
`would_apply_if` (what would make a non-applying regime apply), `warning` (a near
miss: people of the regime's jurisdiction affected while only a designation keeps
it out) and `displaced_by` (lex specialis: NIS2 is displaced by DORA). Every
designation code is described in `DESIGNATION_CATALOGUE`.
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
from .designations import CATALOGUE as DESIGNATION_CATALOGUE
from .designations import DESIGNATIONS, DORA_DESIGNATIONS, DesignationInfo, designation_info
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
    "DESIGNATION_CATALOGUE",
    "DORA_DESIGNATIONS",
    "OBLIGATION_CODES",
    "REGIME_CODES",
    "RISK_VALUES",
    "TIME_FIELDS",
    "UNITS",
    "AssessmentResult",
    "CustomRegimeError",
    "CustomRegimeSpec",
    "DesignationInfo",
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
    "designation_info",
    "is_builtin_obligation_code",
    "obligation_spec",
    "parse_facts",
    "required_fields_for",
]
