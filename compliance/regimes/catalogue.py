"""The catalogue: every built-in regime, and lookups of obligation codes for the portal.

HIPAA media obligations carry the state in their code (`HIPAA/media:US-TX`); every
other code is fixed and listed in `OBLIGATION_CODES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import (
    california,
    certin,
    circia,
    dora,
    gdpr,
    hipaa,
    lgpd,
    ndb_au,
    nis2,
    nydfs,
    pdpa_sg,
    pipeda,
    sec,
    uk_gdpr,
)
from .model import ObligationSpec, Regime

REGIMES: tuple[Regime, ...] = (
    gdpr.REGIME,
    uk_gdpr.REGIME,
    hipaa.REGIME,
    nis2.REGIME,
    dora.REGIME,
    sec.REGIME,
    nydfs.REGIME,
    certin.REGIME,
    lgpd.REGIME,
    pdpa_sg.REGIME,
    ndb_au.REGIME,
    pipeda.REGIME,
    california.REGIME,
    circia.REGIME,
)
REGIME_CODES: frozenset[str] = frozenset(regime.code for regime in REGIMES)

_FIXED_SPECS: dict[str, ObligationSpec] = {
    spec.code: spec for regime in REGIMES for spec in regime.specs if spec is not hipaa.MEDIA
}
OBLIGATION_CODES: frozenset[str] = frozenset(_FIXED_SPECS)
HIPAA_MEDIA_CODE = re.compile(r"HIPAA/media:US-[A-Z0-9]{1,3}")


@dataclass(frozen=True, slots=True)
class RegimeInfo:
    """Public description of a catalogue entry."""

    code: str
    name: str
    enabled: bool
    obligation_codes: tuple[str, ...]


CATALOGUE: tuple[RegimeInfo, ...] = tuple(
    RegimeInfo(
        code=regime.code,
        name=regime.name,
        enabled=regime.enabled,
        obligation_codes=tuple(
            f"{spec.code}:<US state>" if spec is hipaa.MEDIA else spec.code for spec in regime.specs
        ),
    )
    for regime in REGIMES
)


def obligation_spec(code: str) -> ObligationSpec | None:
    """The static spec of a built-in obligation code (`HIPAA/media:US-TX` included), or None."""
    spec = _FIXED_SPECS.get(code)
    if spec is None and HIPAA_MEDIA_CODE.fullmatch(code):
        return hipaa.MEDIA
    return spec


def is_builtin_obligation_code(code: str) -> bool:
    """Whether `code` names an obligation of a built-in regime."""
    return obligation_spec(code) is not None
