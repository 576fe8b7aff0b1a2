"""Historical incidents from a CSV or JSON file (``manage.py import_incidents``).

Columns (CSV header or JSON keys): ``reference`` (the legacy id: the key
that makes a re-run create nothing new), ``title``, ``summary``, ``impact``,
``category`` (name or slug), ``severity`` (name), ``status`` (reported,
acknowledged, contained, resolved, closed or declined; derived from the
stamps when empty), ``occurred_at``, ``detected_at`` (required),
``aware_at``, ``declared_at`` (defaults to ``detected_at``),
``acknowledged_at``, ``contained_at``, ``resolved_at``, ``closed_at``,
``declined_at``, ``decline_reason``, ``restricted``, ``exercise`` and
``services`` (names separated by ``;``). Times are ISO 8601 with an offset.

Every row is checked before anything is written, then all rows are imported
in one transaction through the same services as the UI (declaration, then
each transition in order at its recorded time), or none is. A stamp that is
missing for a step the status implies takes the time of the next later
stamp (resolved with only ``resolved_at`` is acknowledged and contained at
that time), the same rule as for webhooks.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents import services as incident_services
from incidents.choices import IncidentAction, IncidentStatus
from incidents.models import Category, Service, Severity
from integrations.models import ImportedIncident
from portal.errors import DomainError
from portal.users import User

IMPORT_USERNAME = "incident-import"
MAX_ROWS = 50_000
COLUMNS = (
    "reference",
    "title",
    "summary",
    "impact",
    "category",
    "severity",
    "status",
    "occurred_at",
    "detected_at",
    "aware_at",
    "declared_at",
    "acknowledged_at",
    "contained_at",
    "resolved_at",
    "closed_at",
    "declined_at",
    "decline_reason",
    "restricted",
    "exercise",
    "services",
)
TIME_COLUMNS = (
    "occurred_at",
    "detected_at",
    "aware_at",
    "declared_at",
    "acknowledged_at",
    "contained_at",
    "resolved_at",
    "closed_at",
    "declined_at",
)
#: status -> the transitions that reach it from reported, with the stamp each one sets
PATHS: dict[str, list[tuple[str, str]]] = {
    IncidentStatus.REPORTED: [],
    IncidentStatus.ACKNOWLEDGED: [(IncidentAction.ACKNOWLEDGE, "acknowledged_at")],
    IncidentStatus.CONTAINED: [
        (IncidentAction.ACKNOWLEDGE, "acknowledged_at"),
        (IncidentAction.CONTAIN, "contained_at"),
    ],
    IncidentStatus.RESOLVED: [
        (IncidentAction.ACKNOWLEDGE, "acknowledged_at"),
        (IncidentAction.CONTAIN, "contained_at"),
        (IncidentAction.RESOLVE, "resolved_at"),
    ],
    IncidentStatus.CLOSED: [
        (IncidentAction.ACKNOWLEDGE, "acknowledged_at"),
        (IncidentAction.CONTAIN, "contained_at"),
        (IncidentAction.RESOLVE, "resolved_at"),
        (IncidentAction.CLOSE, "closed_at"),
    ],
    IncidentStatus.DECLINED: [(IncidentAction.DECLINE, "declined_at")],
}
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"", "0", "false", "no", "n"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, header, size)."""


@dataclass
class RowPlan:
    number: int
    reference: str
    values: dict[str, Any] = field(default_factory=dict)
    steps: list[tuple[str, datetime]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    existing: str = ""
    created: str = ""

    @property
    def is_new(self) -> bool:
        return not self.errors and not self.existing


# --- reading -------------------------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as dicts (CSV: header row; JSON: a list, or {"incidents": [...]})."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"Cannot read {path}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ImportFileError(f"{path.name} is not valid JSON: {exc}") from None
        if isinstance(data, dict):
            data = data.get("incidents")
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise ImportFileError('The JSON file must be a list of objects, or {"incidents": [...]}.')
        rows = data
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is None:
            raise ImportFileError(f"{path.name} is empty.")
        rows = []
        for row in reader:
            if None in row:
                raise ImportFileError(f"Line {reader.line_num} has more cells than the header.")
            rows.append(row)
    else:
        raise ImportFileError("Give a .csv or .json file.")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"At most {MAX_ROWS} rows per file.")
    columns = {str(key).strip() for row in rows for key in row}
    unknown = sorted(columns - set(COLUMNS))
    if unknown:
        raise ImportFileError(f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(COLUMNS)}.")
    return [{str(key).strip(): value for key, value in row.items()} for row in rows]


# --- checking ------------------------------------------------------------------------------------------


def _text(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\x00", "").strip()


def _time(plan: RowPlan, row: dict[str, Any], column: str) -> datetime | None:
    raw = _text(row, column)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        plan.errors.append(f"{column} {raw!r} is not an ISO 8601 date and time.")
        return None
    if timezone.is_naive(value):
        plan.errors.append(f"{column} {raw!r} needs a time-zone offset (e.g. +01:00 or Z).")
        return None
    if value > timezone.now() + incident_services.CLOCK_SKEW:
        plan.errors.append(f"{column} is in the future.")
        return None
    return value


def _flag(plan: RowPlan, row: dict[str, Any], column: str) -> bool:
    raw = _text(row, column).lower()
    if raw in _TRUE:
        return True
    if raw not in _FALSE:
        plan.errors.append(f"{column} must be true or false, not {raw!r}.")
    return False


def _lookup_category(name: str) -> Category | None:
    return Category.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name)).first()


def _check_reference(plan: RowPlan, seen: set[str]) -> None:
    reference = plan.reference
    if not reference:
        plan.errors.append("reference is required.")
    elif len(reference) > 100:
        plan.errors.append("reference is longer than 100 characters.")
    elif reference.lower() in seen:
        plan.errors.append("this reference appears more than once in the file.")
    seen.add(reference.lower())


def _check_title(plan: RowPlan, row: dict[str, Any]) -> str:
    title = _text(row, "title")
    if not title:
        plan.errors.append("title is required.")
    elif len(title) > 200:
        plan.errors.append("title is longer than 200 characters.")
    return title


def _check_classification(plan: RowPlan, row: dict[str, Any]) -> tuple[Category | None, Severity | None]:
    category_name, severity_name = _text(row, "category"), _text(row, "severity")
    category = _lookup_category(category_name) if category_name else None
    severity = Severity.objects.filter(name__iexact=severity_name).first() if severity_name else None
    if category is None:
        plan.errors.append(
            f"category {category_name!r} is unknown." if category_name else "category is required."
        )
    if severity is None:
        plan.errors.append(
            f"severity {severity_name!r} is unknown." if severity_name else "severity is required."
        )
    return category, severity


def _check_services(plan: RowPlan, row: dict[str, Any]) -> list[Service]:
    services: list[Service] = []
    for name in filter(None, (part.strip() for part in _text(row, "services").split(";"))):
        service = Service.objects.filter(name__iexact=name).first()
        if service is None:
            plan.errors.append(f"service {name!r} is unknown.")
        else:
            services.append(service)
    return services


def _check_status(plan: RowPlan, row: dict[str, Any], times: dict[str, datetime | None]) -> tuple[str, str]:
    """The row's status (given, or derived from its stamps) and its decline reason."""
    status = _text(row, "status").lower() or _derived_status(times)
    if status not in PATHS:
        plan.errors.append(f"status {status!r} is not one of {', '.join(PATHS)}.")
        status = IncidentStatus.REPORTED
    decline_reason = _text(row, "decline_reason")
    if status == IncidentStatus.DECLINED and not decline_reason:
        plan.errors.append("decline_reason is required for a declined incident.")
    return status, decline_reason


def _check_order(plan: RowPlan, status: str, times: dict[str, datetime | None], detected: datetime) -> None:
    """Occurrence and awareness around detection, then the transitions in order (``plan.steps``)."""
    if times["occurred_at"] and times["occurred_at"] > detected:
        plan.errors.append("occurred_at is after detected_at.")
    if times["aware_at"] and times["aware_at"] < detected:
        plan.errors.append("aware_at is before detected_at.")
    plan.steps = _steps(plan, status, times, detected)


def _check_row(number: int, row: dict[str, Any], seen: set[str]) -> RowPlan:
    """Every problem of one row, in the order of its columns; nothing is written."""
    plan = RowPlan(number=number, reference=_text(row, "reference"))
    _check_reference(plan, seen)
    title = _check_title(plan, row)
    category, severity = _check_classification(plan, row)
    services = _check_services(plan, row)
    times = {column: _time(plan, row, column) for column in TIME_COLUMNS}
    detected = times["detected_at"]
    if detected is None and not _text(row, "detected_at"):
        plan.errors.append("detected_at is required.")
    status, decline_reason = _check_status(plan, row, times)
    if detected is not None:
        _check_order(plan, status, times, detected)
    plan.values = {
        "title": title,
        "summary": _text(row, "summary"),
        "impact": _text(row, "impact"),
        "category": category,
        "severity": severity,
        "services": services,
        "occurred_at": times["occurred_at"],
        "detected_at": detected,
        "aware_at": times["aware_at"],
        "declared_at": times["declared_at"] or detected,
        "is_restricted": _flag(plan, row, "restricted"),
        "is_exercise": _flag(plan, row, "exercise"),
        "status": status,
        "decline_reason": decline_reason,
    }
    return plan


def _derived_status(times: dict[str, datetime | None]) -> str:
    for status, column in (
        (IncidentStatus.DECLINED, "declined_at"),
        (IncidentStatus.CLOSED, "closed_at"),
        (IncidentStatus.RESOLVED, "resolved_at"),
        (IncidentStatus.CONTAINED, "contained_at"),
        (IncidentStatus.ACKNOWLEDGED, "acknowledged_at"),
    ):
        if times[column] is not None:
            return status
    return IncidentStatus.REPORTED


def _steps(
    plan: RowPlan, status: str, times: dict[str, datetime | None], detected: datetime
) -> list[tuple[str, datetime]]:
    path = PATHS[status]
    used = {stamp for _, stamp in path}
    for column in ("acknowledged_at", "contained_at", "resolved_at", "closed_at", "declined_at"):
        acknowledged_then_declined = status == IncidentStatus.DECLINED and column == "acknowledged_at"
        if times[column] is not None and column not in used and not acknowledged_then_declined:
            plan.errors.append(f"{column} is given but the status is {status}.")
    if status == IncidentStatus.DECLINED and times["acknowledged_at"] is not None:
        path = [(IncidentAction.ACKNOWLEDGE, "acknowledged_at"), *path]
    if not path:
        return []
    last_stamp = path[-1][1]
    if times[last_stamp] is None:
        plan.errors.append(f"{last_stamp} is required for status {status}.")
        return []
    steps: list[tuple[str, datetime]] = []
    previous = detected
    for index, (action, stamp) in enumerate(path):
        at = times[stamp] or next(t for _, s in path[index:] if (t := times[s]) is not None)
        if at < previous:
            plan.errors.append(
                f"{stamp} ({at.isoformat()}) is before the step before it ({previous.isoformat()})."
            )
            return []
        steps.append((action, at))
        previous = at
    return steps


def check_rows(rows: list[dict[str, Any]]) -> list[RowPlan]:
    seen: set[str] = set()
    plans = [_check_row(index, row, seen) for index, row in enumerate(rows, start=2)]
    imported = dict(
        ImportedIncident.objects.filter(
            source_reference__in=[plan.reference for plan in plans if plan.reference]
        ).values_list("source_reference", "incident__reference")
    )
    for plan in plans:
        if plan.reference in imported:
            plan.existing = imported[plan.reference]
    return plans


# --- importing -----------------------------------------------------------------------------------------


def import_actor() -> User:
    """The service user that imports are recorded under when no ``--actor`` is given."""
    user, created = User.objects.get_or_create(
        username=IMPORT_USERNAME,
        defaults={"first_name": "Incident import", "last_name": "(service)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


class RowFailed(Exception):
    def __init__(self, plan: RowPlan, message: str) -> None:
        super().__init__(message)
        self.plan = plan


def _import_row(plan: RowPlan, actor: User, source_file: str) -> None:
    values = plan.values
    incident = incident_services.incident_create(
        actor=actor,
        title=values["title"],
        summary=values["summary"],
        impact=values["impact"],
        severity=values["severity"],
        category=values["category"],
        services=values["services"],
        occurred_at=values["occurred_at"],
        detected_at=values["detected_at"],
        aware_at=values["aware_at"],
        is_restricted=values["is_restricted"],
        is_exercise=values["is_exercise"],
        declared_at=values["declared_at"],
    )
    for action, at in plan.steps:
        note = f"Imported from {plan.reference}."
        if action == IncidentAction.DECLINE:
            note = values["decline_reason"]
        incident = incident_services.incident_transition(
            incident=incident, action=action, actor=actor, note=note, at=at
        )
    ImportedIncident.objects.create(
        source_reference=plan.reference,
        incident=incident,
        source_file=source_file[:255],
        source_row=plan.number,
    )
    plan.created = incident.reference


def import_plans(plans: list[RowPlan], *, actor: User, source_file: str, dry_run: bool) -> int:
    """Import every new row in one transaction (rolled back for a dry run); returns how many."""
    created = 0
    with transaction.atomic():
        for plan in plans:
            if not plan.is_new:
                continue
            try:
                _import_row(plan, actor, source_file)
            except (ValidationError, DomainError) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                raise RowFailed(plan, message) from exc
            created += 1
        if dry_run:
            transaction.set_rollback(True)
    return created
