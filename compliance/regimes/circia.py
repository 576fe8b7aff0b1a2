"""CIRCIA (6 U.S.C. 681b): in the catalogue, never in force here.

CISA has not issued the final rule that would start the 72-hour incident and
24-hour ransom-payment reporting duties, so the regime is disabled: it produces no
obligation, whatever the facts, and `--explain` says why.
"""

from __future__ import annotations

from . import designations as d
from .model import Context, Regime, RegimeOutcome, designated, not_applicable

NOT_IN_FORCE = (
    "CIRCIA is not in force: CISA has not issued the final rule (6 U.S.C. 681b), so no report to CISA is "
    "due (72 hours for covered incidents, 24 hours for ransom payments once it is)"
)


_IN_FORCE = ("CISA issued the final rule that puts CIRCIA reporting in force",)


def evaluate(context: Context) -> RegimeOutcome:
    if context.has(d.CIRCIA_COVERED_ENTITY):
        return not_applicable(
            NOT_IN_FORCE, f"The entity is designated {d.CIRCIA_COVERED_ENTITY}", would_apply_if=_IN_FORCE
        )
    return not_applicable(NOT_IN_FORCE, would_apply_if=(*_IN_FORCE, designated(d.CIRCIA_COVERED_ENTITY)))


REGIME = Regime(
    code="CIRCIA",
    name="Cyber Incident Reporting for Critical Infrastructure Act",
    enabled=False,
    specs=(),
    evaluate=evaluate,
    scope=frozenset({d.CIRCIA_COVERED_ENTITY}),
)
