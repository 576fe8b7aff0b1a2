"""Parse and validate the incident facts (RULES.md section 5) into frozen dataclasses.

The facts arrive from the API, the `assess` command and the portal's own models,
so the parser is strict: an unknown field, a naive or malformed time stamp, a
number that is not a JSON integer or a boolean that is not `true`/`false` is
refused with a `FactsError` that names the field by its dotted path
(`times.aware_at`, `personal_data.by_jurisdiction.US-TX`, `entity.designations[2]`).
A silently ignored typo could drop a regulatory deadline, which is worse than a 400.

Omitted fields mean false, null, zero or empty; `null` is accepted wherever a
field may be omitted, except for booleans and counts, which must be real JSON
booleans and integers. An omitted or null `personal_data.risk` means "not
assessed", which every regime treats as a risk that is not high.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from .catalogue import is_builtin_obligation_code
from .designations import DESIGNATIONS
from .primitives import zone

if TYPE_CHECKING:
    from .custom import CustomRegimeSpec

TIME_FIELDS: tuple[str, ...] = (
    "aware_at",
    "classified_major_at",
    "materiality_determined_at",
    "incident_determined_at",
    "notifiable_assessed_at",
    "ransom_paid_at",
    "handling_ended_at",
)
RISK_VALUES: tuple[str, ...] = ("none", "low", "risk", "medium", "high")
DATA_SUBJECT_EXEMPTIONS: tuple[str, ...] = ("encryption", "subsequent-measures", "disproportionate-effort")
MAX_COUNT = 10**10
MAX_TEXT_LENGTH = 500
MAX_LIST_LENGTH = 1000
MIN_YEAR = 1970
MAX_YEAR = 2199

_TOP_LEVEL_FIELDS = frozenset(
    {"entity", "times", "personal_data", "significant", "major", "material", "submitted"}
)
_ENTITY_FIELDS = frozenset({"name", "country", "timezone", "designations", "custom_regimes"})
_PERSONAL_DATA_FIELDS = frozenset(
    {"involved", "risk", "subjects", "by_jurisdiction", "phi", "unsecured", "data_subject_exemption"}
)
_TIME_FIELD_SET = frozenset(TIME_FIELDS)

# ISO 8601 extended date and time with a mandatory UTC offset (`Z` or +hh:mm, +hhmm,
# +hh); RFC 3339's space separator is tolerated.
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)"
)
_LONG_FRACTION = re.compile(r"[.,](\d{7,9})")
_DATE_WITHOUT_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_JURISDICTION = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")


class FactsError(ValueError):
    """Invalid facts. `field` is the dotted path of the offending field, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _empty_mapping() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Entity:
    """The legal entity whose obligations are computed."""

    name: str | None
    country: str | None
    timezone: str
    designations: frozenset[str]
    custom_regimes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Times:
    """The instants that start regulatory clocks (aware, in their original offsets)."""

    aware_at: datetime
    classified_major_at: datetime | None = None
    materiality_determined_at: datetime | None = None
    incident_determined_at: datetime | None = None
    notifiable_assessed_at: datetime | None = None
    ransom_paid_at: datetime | None = None
    handling_ended_at: datetime | None = None

    def get(self, name: str) -> datetime | None:
        """The time stamp called `name` (one of TIME_FIELDS)."""
        value: datetime | None = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class PersonalData:
    """What the compliance assessment found about personal data."""

    involved: bool = False
    risk: str | None = None
    subjects: int = 0
    by_jurisdiction: Mapping[str, int] = dataclasses.field(default_factory=_empty_mapping)
    phi: bool = False
    unsecured: bool = False
    data_subject_exemption: str | None = None

    @property
    def total_subjects(self) -> int:
        """max(`subjects`, sum of `by_jurisdiction`): the two may be recorded independently."""
        return max(self.subjects, sum(self.by_jurisdiction.values()))


_NO_PERSONAL_DATA = PersonalData()
_NO_SUBMISSIONS: Mapping[str, datetime] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the engine knows about one incident of one entity."""

    entity: Entity
    times: Times
    personal_data: PersonalData = _NO_PERSONAL_DATA
    significant: bool = False
    major: bool = False
    material: bool = False
    submitted: Mapping[str, datetime] = dataclasses.field(default_factory=_empty_mapping)

    @property
    def zone(self) -> ZoneInfo:
        """The entity's deadline zone."""
        return zone(self.entity.timezone)


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    """IANA keys known to this installation (tzdata); loaded once."""
    return frozenset(available_timezones())


def parse_facts(data: object, *, custom_regimes: Iterable[CustomRegimeSpec] = ()) -> Facts:
    """Validate `data` (decoded JSON, or JSON text) and return typed facts; raises FactsError."""
    if isinstance(data, str | bytes | bytearray):
        data = _decode_json(data)
    root = _object(data, "facts")
    _refuse_unknown(root, _TOP_LEVEL_FIELDS, "")
    custom_codes = {spec.code for spec in custom_regimes}
    if "entity" not in root:
        raise FactsError("entity", "is required")
    if "times" not in root:
        raise FactsError("times.aware_at", "is required")
    personal_data = root.get("personal_data")
    submitted = root.get("submitted")
    return Facts(
        entity=_parse_entity(root["entity"], custom_codes),
        times=_parse_times(root["times"]),
        personal_data=_NO_PERSONAL_DATA if personal_data is None else _parse_personal_data(personal_data),
        significant=_boolean(root, "significant", ""),
        major=_boolean(root, "major", ""),
        material=_boolean(root, "material", ""),
        submitted=_NO_SUBMISSIONS if submitted is None else _parse_submitted(submitted, custom_codes),
    )


def _decode_json(text: str | bytes | bytearray) -> object:
    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise FactsError(key, "appears twice in the same object")
            result[key] = value
        return result

    def refuse_constant(name: str) -> None:
        raise FactsError("facts", f"{name} is not a JSON number")

    try:
        return json.loads(text, object_pairs_hook=refuse_duplicates, parse_constant=refuse_constant)
    except FactsError:
        raise
    except RecursionError:
        raise FactsError("facts", "is nested too deeply") from None
    except ValueError as error:
        raise FactsError("facts", f"is not valid JSON ({error})") from None


def _path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _object(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FactsError(field, f"must be a JSON object, not {_json_type(value)}")
    return value


def _refuse_unknown(value: dict[str, Any], allowed: frozenset[str], parent: str) -> None:
    if allowed.issuperset(value):
        return
    for key in value:
        if key not in allowed:
            shown = key if isinstance(key, str) else repr(key)
            raise FactsError(_path(parent, _printable(shown)), "unknown field")


def _printable(text: str) -> str:
    return text.replace("\x00", "\\u0000")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _text(value: object, field: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    if not isinstance(value, str):
        raise FactsError(field, f"must be a string, not {_json_type(value)}")
    if "\x00" in value:
        raise FactsError(field, "must not contain NUL characters")
    if len(value) > max_length:
        raise FactsError(field, f"is longer than {max_length} characters")
    return value


def _boolean(container: dict[str, Any], name: str, parent: str) -> bool:
    value = container.get(name, False)
    if value is True or value is False:
        return value
    raise FactsError(_path(parent, name), f"must be true or false, not {_json_type(value)}")


def _count(value: object, field: str) -> int:
    if type(value) is not int:
        raise FactsError(field, f"must be a whole number, not {_json_type(value)}")
    if value < 0:
        raise FactsError(field, "must not be negative")
    if value > MAX_COUNT:
        raise FactsError(field, f"is absurdly large (more than {MAX_COUNT})")
    return value


def _list(value: object, field: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise FactsError(field, f"must be a JSON array, not {_json_type(value)}")
    if len(value) > MAX_LIST_LENGTH:
        raise FactsError(field, f"has more than {MAX_LIST_LENGTH} entries")
    return value


def parse_timestamp(value: object, field: str) -> datetime:
    """An aware datetime from ISO 8601 text with a UTC offset; FactsError otherwise."""
    if type(value) is str and _TIMESTAMP.fullmatch(value) is not None:
        text = value
    else:
        text = _text(value, field, max_length=64)
        if _DATE_WITHOUT_OFFSET.fullmatch(text):
            raise FactsError(field, f"{text!r} has no UTC offset: add one, e.g. +01:00 or Z")
        raise FactsError(field, f"{text!r} is not an ISO 8601 time stamp with an offset")
    try:
        parsed = datetime.fromisoformat(_truncate_fraction(text))
    except ValueError as error:
        raise FactsError(field, f"{text!r} is not a valid time stamp ({error})") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise FactsError(field, f"{text!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return parsed


def _truncate_fraction(text: str) -> str:
    """Python < 3.12 accepts at most microseconds, so cut longer fractions (never rounds up)."""
    if "." not in text and "," not in text:
        return text
    match = _LONG_FRACTION.search(text)
    if match is None:
        return text
    return text[: match.start(1) + 6] + text[match.end(1) :]


def _parse_entity(value: object, custom_codes: set[str]) -> Entity:
    entity = _object(value, "entity")
    _refuse_unknown(entity, _ENTITY_FIELDS, "entity")
    if entity.get("timezone") is None:
        raise FactsError("entity.timezone", "is required (an IANA time zone such as Europe/Berlin)")
    timezone = _text(entity["timezone"], "entity.timezone", max_length=64)
    if timezone not in known_timezones():
        raise FactsError("entity.timezone", f"{timezone!r} is not a known IANA time zone")
    name = entity.get("name")
    country = entity.get("country")
    if country is not None:
        country = _text(country, "entity.country", max_length=8)
        if _COUNTRY.fullmatch(country) is None:
            raise FactsError("entity.country", f"{country!r} is not an ISO 3166-1 alpha-2 code such as DE")
    designations: set[str] = set()
    raw_designations = entity.get("designations")
    if raw_designations is not None:
        for index, item in enumerate(_list(raw_designations, "entity.designations")):
            if type(item) is not str or item not in DESIGNATIONS:
                field = f"entity.designations[{index}]"
                raise FactsError(field, f"{_text(item, field, max_length=64)!r} is not a known designation")
            designations.add(item)
    custom: list[str] = []
    raw_custom = entity.get("custom_regimes")
    if raw_custom is not None:
        for index, item in enumerate(_list(raw_custom, "entity.custom_regimes")):
            field = f"entity.custom_regimes[{index}]"
            code = _text(item, field, max_length=64)
            if code not in custom_codes:
                raise FactsError(field, f"{code!r} is not a configured custom regime")
            if code not in custom:
                custom.append(code)
    return Entity(
        name=None if name is None else _text(name, "entity.name"),
        country=country,
        timezone=timezone,
        designations=frozenset(designations),
        custom_regimes=tuple(custom),
    )


def _parse_times(value: object) -> Times:
    times = _object(value, "times")
    _refuse_unknown(times, _TIME_FIELD_SET, "times")
    if times.get("aware_at") is None:
        raise FactsError("times.aware_at", "is required")
    parsed = {name: parse_timestamp(raw, f"times.{name}") for name, raw in times.items() if raw is not None}
    return Times(**parsed)


def _parse_personal_data(value: object) -> PersonalData:
    data = _object(value, "personal_data")
    _refuse_unknown(data, _PERSONAL_DATA_FIELDS, "personal_data")
    risk = data.get("risk")
    if risk is not None:
        risk = _text(risk, "personal_data.risk", max_length=32)
        if risk not in RISK_VALUES:
            raise FactsError("personal_data.risk", f"{risk!r} is not one of {', '.join(RISK_VALUES)}")
    exemption = data.get("data_subject_exemption")
    if exemption is not None:
        exemption = _text(exemption, "personal_data.data_subject_exemption", max_length=64)
        if exemption not in DATA_SUBJECT_EXEMPTIONS:
            raise FactsError(
                "personal_data.data_subject_exemption",
                f"{exemption!r} is not one of {', '.join(DATA_SUBJECT_EXEMPTIONS)}",
            )
    by_jurisdiction: dict[str, int] = {}
    raw_jurisdictions = data.get("by_jurisdiction")
    if raw_jurisdictions is not None:
        jurisdictions = _object(raw_jurisdictions, "personal_data.by_jurisdiction")
        if len(jurisdictions) > MAX_LIST_LENGTH:
            raise FactsError("personal_data.by_jurisdiction", f"has more than {MAX_LIST_LENGTH} entries")
        for key, count in jurisdictions.items():
            if type(key) is not str or _JURISDICTION.fullmatch(key) is None:
                raise FactsError(
                    f"personal_data.by_jurisdiction.{_printable(str(key))}",
                    "is not an ISO 3166 code such as US-TX or FR",
                )
            if type(count) is not int or not 0 <= count <= MAX_COUNT:
                _count(count, f"personal_data.by_jurisdiction.{key}")
            by_jurisdiction[key] = count
    subjects = data.get("subjects", 0)
    return PersonalData(
        involved=_boolean(data, "involved", "personal_data"),
        risk=risk,
        subjects=_count(subjects, "personal_data.subjects"),
        by_jurisdiction=MappingProxyType(by_jurisdiction),
        phi=_boolean(data, "phi", "personal_data"),
        unsecured=_boolean(data, "unsecured", "personal_data"),
        data_subject_exemption=exemption,
    )


def _parse_submitted(value: object, custom_codes: set[str]) -> Mapping[str, datetime]:
    submitted = _object(value, "submitted")
    result: dict[str, datetime] = {}
    for code, raw in submitted.items():
        field = f"submitted.{_printable(str(code))}"
        if not isinstance(code, str) or not (
            is_builtin_obligation_code(code) or _custom_regime_of(code) in custom_codes
        ):
            raise FactsError(field, "is not a known obligation code")
        if raw is not None:
            result[code] = parse_timestamp(raw, field)
    return MappingProxyType(result)


def _custom_regime_of(code: str) -> str | None:
    """`PCI-VISA` for the custom obligation code `PCI-VISA/notification`."""
    regime, separator, kind = code.partition("/")
    return regime if separator and kind == "notification" else None
