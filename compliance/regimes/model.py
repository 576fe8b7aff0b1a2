"""The vocabulary shared by every regime module: obligation specs, obligations, outcomes.

A regime module declares *what* it can demand (`ObligationSpec`: code, recipient,
legal basis, report content) once, and an `evaluate` function that decides *whether*
and *by when* from the facts. Keeping the static part declarative lets the portal
look up recipients and required fields for a code without running the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .primitives import render_instant

if TYPE_CHECKING:
    from .facts import Facts


@dataclass(frozen=True, slots=True)
class ObligationSpec:
    """The static description of one obligation code.

    `late_fields` are added to the required fields when the report was submitted
    after its due time (GDPR Art. 33(1): the reasons for the delay).
    """

    code: str
    regime: str
    recipient: str
    basis: str
    required_fields: tuple[str, ...]
    late_fields: tuple[str, ...] = ()

    def make(
        self,
        context: Context,
        *,
        clock_start: datetime | None,
        due_at: datetime | None,
        rule: str,
        provisional: bool = False,
        deadline_zone: ZoneInfo | None = None,
        code: str | None = None,
        recipient: str | None = None,
    ) -> Obligation:
        """Build the obligation; `urgent` follows from the absence of a fixed due time (RULES 1.6)."""
        obligation_code = code or self.code
        required_fields = self.required_fields
        if self.late_fields and due_at is not None:
            submitted_at = context.facts.submitted.get(obligation_code)
            if submitted_at is not None and submitted_at > due_at:
                required_fields = required_fields + self.late_fields
        return Obligation(
            code=obligation_code,
            regime=self.regime,
            recipient=recipient or self.recipient,
            clock_start=clock_start,
            due_at=due_at,
            rule=rule,
            basis=self.basis,
            urgent=due_at is None,
            provisional=provisional,
            required_fields=required_fields,
            deadline_zone=deadline_zone or context.entity_zone,
        )


@dataclass(frozen=True, slots=True)
class Obligation:
    """One thing the entity must do, with its due instant (UTC) and the zone it is shown in."""

    code: str
    regime: str
    recipient: str
    clock_start: datetime | None
    due_at: datetime | None
    rule: str
    basis: str
    urgent: bool
    provisional: bool
    required_fields: tuple[str, ...]
    deadline_zone: ZoneInfo

    def sort_key(self) -> tuple[bool, datetime, str]:
        """Due time ascending, obligations without a due time last, ties broken by code."""
        return (self.due_at is None, self.due_at or _FAR_FUTURE, self.code)

    def to_json(self) -> dict[str, Any]:
        """The RULES.md section 5 shape; instants rendered with the deadline zone's offset."""
        return {
            "code": self.code,
            "regime": self.regime,
            "recipient": self.recipient,
            "clock_start": render_instant(self.clock_start, self.deadline_zone),
            "due_at": render_instant(self.due_at, self.deadline_zone),
            "rule": self.rule,
            "basis": self.basis,
            "urgent": self.urgent,
            "provisional": self.provisional,
            "required_fields": list(self.required_fields),
        }


_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(slots=True)
class RegimeOutcome:
    """Whether a regime applies, why (human sentences for auditors), and what it demands.

    For a regime that does not apply, `would_apply_if` says in words what would change
    that ("the entity were designated ca-business"), and `displaced_by` names the regime
    that displaces it under a lex specialis rule (NIS2 -> DORA).
    """

    applies: bool
    reasons: list[str] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    would_apply_if: list[str] = field(default_factory=list)
    displaced_by: str | None = None


def not_applicable(
    *reasons: str, would_apply_if: tuple[str, ...] = (), displaced_by: str | None = None
) -> RegimeOutcome:
    """Outcome of a regime that demands nothing, with the reasons why and what would change it."""
    return RegimeOutcome(
        applies=False, reasons=list(reasons), would_apply_if=list(would_apply_if), displaced_by=displaced_by
    )


def designated(*codes: str) -> str:
    """The would-apply-if condition of a missing designation: 'the entity were designated a or b'."""
    return "the entity were designated " + " or ".join(codes)


@dataclass(slots=True)
class Context:
    """What a regime's evaluate function sees: the facts and the entity's deadline zone."""

    facts: Facts
    entity_zone: ZoneInfo

    def submission_of(self, code: str) -> datetime | None:
        """When the report for `code` was actually submitted, if the facts record it (UTC)."""
        submitted_at = self.facts.submitted.get(code)
        return None if submitted_at is None else submitted_at.astimezone(UTC)

    def follow(self, previous_code: str, previous_due: datetime) -> tuple[datetime, bool]:
        """Base instant and provisional flag for a follow-up report (RULES 1.7).

        Counted from the actual submission of the previous report when the facts
        record it; otherwise from its due time, and then provisional.
        """
        submitted_at = self.submission_of(previous_code)
        if submitted_at is not None:
            return submitted_at, False
        return previous_due, True

    def has(self, designation: str) -> bool:
        """Whether the entity carries `designation`."""
        return designation in self.facts.entity.designations


@dataclass(frozen=True, slots=True)
class Regime:
    """A catalogue entry: a regime code, its name, whether it is in force, and its rules."""

    code: str
    name: str
    enabled: bool
    specs: tuple[ObligationSpec, ...]
    evaluate: Callable[[Context], RegimeOutcome]
    scope: frozenset[str]
    """Designations that can bring an entity in scope; without any of them the regime is skipped
    unless an explanation is asked for."""
    near_miss: NearMiss | None = None
    """Where the regime protects people of given jurisdictions: affected people there while the
    regime is kept out only by a missing designation earn a warning in the explanation."""


@dataclass(frozen=True, slots=True)
class NearMiss:
    """The jurisdictions whose people a regime protects, and the designation that brings it in.

    `jurisdictions` holds ISO 3166 codes: a country code matches itself and its
    subdivisions (`US` matches `US-TX`), a subdivision code only itself (`US-CA`).
    """

    jurisdictions: frozenset[str]
    designation: str
    people: str

    def affected(self, by_jurisdiction: Mapping[str, int]) -> tuple[int, tuple[str, ...]]:
        """How many affected people live in the jurisdictions, and which keys they were recorded under."""
        keys = tuple(
            sorted(
                key
                for key, count in by_jurisdiction.items()
                if count > 0 and (key in self.jurisdictions or key[:2] in self.jurisdictions)
            )
        )
        return sum(by_jurisdiction[key] for key in keys), keys


@dataclass(frozen=True, slots=True)
class RegimeExplanation:
    """One line of `--explain`: a regime considered, whether it applies, why, and what follows.

    `obligations` are the codes the regime produced; `would_apply_if` the conditions
    that would make a non-applying regime apply; `warning` a near miss (affected people
    in the regime's jurisdictions, kept out only by a designation); `displaced_by` the
    regime that displaces this one (lex specialis).
    """

    regime: str
    name: str
    applies: bool
    reasons: tuple[str, ...]
    obligations: tuple[str, ...] = ()
    would_apply_if: tuple[str, ...] = ()
    warning: str | None = None
    displaced_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "name": self.name,
            "applies": self.applies,
            "reasons": list(self.reasons),
            "obligations": list(self.obligations),
            "would_apply_if": list(self.would_apply_if),
            "warning": self.warning,
            "displaced_by": self.displaced_by,
        }


def describe_risk(risk: str | None) -> str:
    """Human wording of the risk value for explanations."""
    if risk is None:
        return "risk not assessed (treated as a risk until assessed)"
    if risk == "risk":
        return "risk 'risk'"
    return f"risk {risk}"


def risk_is_none(risk: str | None) -> bool:
    """True only when the assessment concluded there is no risk.

    An unassessed risk (null) counts as a risk: GDPR Art. 33(1) and HIPAA
    164.402(2) both presume notification unless the risk is shown to be absent.
    """
    return risk == "none"


def local_day_text(instant: datetime, deadline_zone: ZoneInfo) -> str:
    """'Sunday 2026-10-04' for explanations of rolled deadlines."""
    local = instant.astimezone(deadline_zone)
    return f"{local:%A} {local:%Y-%m-%d}"
