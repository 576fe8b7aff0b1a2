"""Custom regimes configured by administrators: internal policy, contracts, card brands.

A custom regime is one obligation (`<CODE>/notification`) counted with the same
primitives as the built-in regimes: N elapsed hours, N calendar days (end of day
N) or N business days (end of the Nth working day, with the public holidays of
`holiday_country`), in the entity's zone. It applies when the entity lists its code
in `entity.custom_regimes`, the regime is active and its clock-start time is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .catalogue import REGIME_CODES
from .facts import TIME_FIELDS
from .model import Context, ObligationSpec, RegimeOutcome, not_applicable
from .primitives import after_business_days, after_calendar_days, after_hours, has_holiday_calendar

UNITS: tuple[str, ...] = ("hours", "calendar_days", "business_days")
MAX_AMOUNT = {"hours": 24 * 3660, "calendar_days": 3660, "business_days": 2600}
OBLIGATION_SUFFIX = "/notification"
_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:[-_.][A-Z0-9]+)*")
_FIELD_KEY = re.compile(r"[a-z][a-z0-9_]*")
_CLOCK_START_WORDING = {
    "aware_at": "becoming aware",
    "classified_major_at": "classification as major",
    "materiality_determined_at": "the materiality determination",
    "incident_determined_at": "the incident determination",
    "notifiable_assessed_at": "the notifiability assessment",
    "ransom_paid_at": "the ransom payment",
    "handling_ended_at": "the end of incident handling",
}


class CustomRegimeError(ValueError):
    """An invalid custom regime definition; `attribute` names the bad attribute."""

    def __init__(self, attribute: str, message: str) -> None:
        super().__init__(f"{attribute}: {message}")
        self.attribute = attribute
        self.message = message


@dataclass(frozen=True, slots=True)
class CustomRegimeSpec:
    """One administrator-defined regime. Call `validate()` before use (the engine does)."""

    code: str
    name: str
    recipient: str
    clock_start: str
    amount: int
    unit: str
    holiday_country: str | None = None
    required_fields: Sequence[str] = ()
    basis: str = ""
    active: bool = True
    _spec: ObligationSpec | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Keep a list of required fields (as an admin form gives it) as a tuple: the spec stays hashable."""
        if isinstance(self.required_fields, list):
            object.__setattr__(self, "required_fields", tuple(self.required_fields))

    @property
    def obligation_code(self) -> str:
        return f"{self.code}{OBLIGATION_SUFFIX}"

    def validate(self) -> None:
        """Raise CustomRegimeError naming the first bad attribute; return None when valid."""
        if not isinstance(self.code, str) or len(self.code) > 40 or _CODE.fullmatch(self.code) is None:
            raise CustomRegimeError(
                "code", "must be upper-case letters, digits and single - _ . separators, e.g. PCI-VISA"
            )
        if self.code in REGIME_CODES:
            raise CustomRegimeError("code", f"{self.code} is a built-in regime")
        for attribute in ("name", "recipient"):
            _require_text(attribute, getattr(self, attribute), allow_empty=False)
        _require_text("basis", self.basis, allow_empty=True)
        if self.clock_start not in TIME_FIELDS:
            raise CustomRegimeError("clock_start", f"must be one of {', '.join(TIME_FIELDS)}")
        if self.unit not in UNITS:
            raise CustomRegimeError("unit", f"must be one of {', '.join(UNITS)}")
        if type(self.amount) is not int or not 1 <= self.amount <= MAX_AMOUNT[self.unit]:
            raise CustomRegimeError("amount", f"must be a whole number from 1 to {MAX_AMOUNT[self.unit]}")
        if self.holiday_country is not None and not (
            isinstance(self.holiday_country, str) and has_holiday_calendar(self.holiday_country)
        ):
            raise CustomRegimeError(
                "holiday_country",
                "must be an ISO 3166-1 alpha-2 code with a public-holiday calendar, e.g. US",
            )
        if self.unit == "business_days" and self.holiday_country is None:
            raise CustomRegimeError("holiday_country", "is required when the unit is business_days")
        if not isinstance(self.required_fields, tuple) or not all(
            isinstance(key, str) and _FIELD_KEY.fullmatch(key) for key in self.required_fields
        ):
            raise CustomRegimeError("required_fields", "must be a list of snake_case field keys")
        if len(set(self.required_fields)) != len(self.required_fields):
            raise CustomRegimeError("required_fields", "must not repeat a field key")
        if type(self.active) is not bool:
            raise CustomRegimeError("active", "must be true or false")

    @property
    def spec(self) -> ObligationSpec:
        """The obligation spec (recipient, basis, required fields) of this regime's one obligation."""
        spec = self._spec
        if spec is None:
            spec = ObligationSpec(
                code=self.obligation_code,
                regime=self.code,
                recipient=self.recipient,
                basis=self.basis or f"{self.name} (custom regime)",
                required_fields=tuple(self.required_fields),
            )
            object.__setattr__(self, "_spec", spec)
        return spec

    def rule_text(self) -> str:
        unit = {"hours": "hours", "calendar_days": "calendar days", "business_days": "business days"}[
            self.unit
        ]
        text = f"{self.amount} {unit} after {_CLOCK_START_WORDING[self.clock_start]}"
        if self.unit == "business_days":
            text += f" ({self.holiday_country} public holidays skipped)"
        return text

    def evaluate(self, context: Context) -> RegimeOutcome:
        if self.code not in context.facts.entity.custom_regimes:
            return not_applicable(
                f"The entity does not list {self.code} in entity.custom_regimes",
                would_apply_if=(f"the entity listed custom regime {self.code}",),
            )
        if not self.active:
            return not_applicable(
                f"Custom regime {self.code} is inactive",
                would_apply_if=(f"custom regime {self.code} were active",),
            )
        clock_start = context.facts.times.get(self.clock_start)
        if clock_start is None:
            return not_applicable(
                f"times.{self.clock_start} is not recorded: nothing to count from",
                would_apply_if=(
                    f"the time of {_CLOCK_START_WORDING[self.clock_start]} (times.{self.clock_start}) were recorded",
                ),
            )
        zone = context.entity_zone
        if self.unit == "hours":
            due_at = after_hours(clock_start, self.amount)
        elif self.unit == "calendar_days":
            due_at = after_calendar_days(clock_start, self.amount, zone)
        else:
            due_at = after_business_days(clock_start, self.amount, zone, self.holiday_country)
        rule = self.rule_text()
        return RegimeOutcome(
            applies=True,
            reasons=[f"The entity lists custom regime {self.code}: notify {self.recipient} within {rule}"],
            obligations=[self.spec.make(context, clock_start=clock_start, due_at=due_at, rule=rule)],
        )


def _require_text(attribute: str, value: object, *, allow_empty: bool) -> None:
    if not isinstance(value, str) or "\x00" in value or len(value) > 500:
        raise CustomRegimeError(attribute, "must be text of at most 500 characters without NUL")
    if not allow_empty and not value.strip():
        raise CustomRegimeError(attribute, "must not be empty")


def validate_all(custom_regimes: Iterable[CustomRegimeSpec]) -> tuple[CustomRegimeSpec, ...]:
    """Validate every spec and refuse two with the same code."""
    specs = tuple(custom_regimes)
    seen: set[str] = set()
    for spec in specs:
        if not isinstance(spec, CustomRegimeSpec):
            raise CustomRegimeError("custom_regimes", f"expected CustomRegimeSpec, not {type(spec).__name__}")
        spec.validate()
        if spec.code in seen:
            raise CustomRegimeError("code", f"{spec.code} is defined twice")
        seen.add(spec.code)
    return specs
