"""Which regimes apply to an assessed incident, and why: the engine's explanation, for people.

One item per regime of the catalogue and per active custom regime. The reasons,
conditions and warnings are the engine's own (`compliance.regimes` explanation),
only put in the order an officer reads them: applied regimes first, then near
misses (warnings), then the rest, each group in catalogue order.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

from compliance.facts import facts_for
from compliance.models import Assessment
from compliance.regimes import REGIME_CODES, CustomRegimeError, FactsError, assess_json
from compliance.selectors import custom_regime_specs
from incidents.choices import IncidentStatus

logger = logging.getLogger(__name__)


class ApplicabilityItem(TypedDict):
    regime: str
    name: str
    applies: bool
    reasons: list[str]
    obligations: list[str]
    warning: bool
    warning_text: str | None
    would_apply_if: list[str]
    displaced_by: str | None


def _item(line: dict[str, Any], note: str | None) -> ApplicabilityItem:
    reasons = list(line["reasons"])
    if line["warning"]:
        reasons.insert(0, line["warning"])
    if line["applies"] and note:
        reasons.insert(0, note)
    reasons.extend(f"Would apply if {condition}." for condition in line["would_apply_if"])
    return ApplicabilityItem(
        regime=line["regime"],
        name=line["name"],
        applies=line["applies"],
        reasons=reasons,
        obligations=list(line["obligations"]),
        warning=line["warning"] is not None,
        warning_text=line["warning"],
        would_apply_if=list(line["would_apply_if"]),
        displaced_by=line["displaced_by"],
    )


def applicability_for(assessment: Assessment) -> list[ApplicabilityItem]:
    """The engine's verdict on every regime for this assessment's current facts.

    Facts the engine refuses (a record edited outside the validators) give an
    empty list and a log line rather than an error page: the obligations keep
    what was last computed.
    """
    specs = custom_regime_specs()
    try:
        result = assess_json(facts_for(assessment), custom_regimes=specs, explain=True)
    except (FactsError, CustomRegimeError) as error:
        logger.warning("Applicability of assessment %s not computed: %s", assessment.pk, error)
        return []
    shown = REGIME_CODES | {spec.code for spec in specs if spec.active}
    incident = assessment.incident
    note = None
    if incident.is_exercise:
        note = "Exercise: exercises never start regulatory clocks, so no obligation is created."
    elif incident.status == IncidentStatus.DECLINED:
        note = "The incident was declined (not an incident), so no obligation is created."
    items = [_item(line, note) for line in result["explanation"] if line["regime"] in shown]
    # sorted() is stable: catalogue order, then custom regimes, within each group.
    return sorted(items, key=lambda item: (not item["applies"], not item["warning"]))
