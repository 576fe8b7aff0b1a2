"""Database constraints, reported as the field they protect instead of an IntegrityError.

Two halves. ``validate_check_constraints`` mirrors every ``CheckConstraint``
of a model in its serializers (``StrictModelSerializer`` calls it) so that a
request that would break one is a 400 naming the field before anything is
written; DRF already mirrors the unique constraints. And
``integrity_error_response_detail`` turns an ``IntegrityError`` that still
reaches the API (a race between two writers, a constraint checked only by
the database) into a 409 (unique) or 400 (check, foreign key) that names
the field, for SQLite's and PostgreSQL's error texts alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models
from django.db.models import CheckConstraint, F, Q, UniqueConstraint

PROJECT_APPS = ("portal", "incidents", "compliance", "postmortems", "integrations")


@dataclass(frozen=True)
class KnownConstraint:
    name: str
    model: type[models.Model]
    kind: str  # "check" or "unique"
    fields: tuple[str, ...]
    message: str


def _q_fields(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, Q):
        for child in node.children:
            found.extend(_q_fields(child))
    elif isinstance(node, tuple) and len(node) == 2:
        found.append(str(node[0]).split("__")[0])
        found.extend(_q_fields(node[1]))
    elif isinstance(node, F):
        found.append(str(node.name).split("__")[0])  # type: ignore[attr-defined]
    return list(dict.fromkeys(found))


def constraint_fields(constraint: models.BaseConstraint) -> tuple[str, ...]:
    if isinstance(constraint, UniqueConstraint):
        return tuple(constraint.fields)
    if isinstance(constraint, CheckConstraint):
        return tuple(_q_fields(constraint.condition))
    return ()


def project_constraints() -> list[KnownConstraint]:
    """Every CheckConstraint, UniqueConstraint and unique field of the project's apps."""
    found = []
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for constraint in model._meta.constraints:
                if isinstance(constraint, CheckConstraint | UniqueConstraint):
                    found.append(
                        KnownConstraint(
                            constraint.name,
                            model,
                            "check" if isinstance(constraint, CheckConstraint) else "unique",
                            constraint_fields(constraint),
                            str(constraint.get_violation_error_message()),
                        )
                    )
    return found


@cache
def _by_name() -> dict[str, KnownConstraint]:
    return {constraint.name: constraint for constraint in project_constraints()}


@cache
def _columns() -> dict[tuple[str, str], tuple[type[models.Model], str]]:
    """(table, column) -> (model, field name), for the unique-field messages of SQLite and PostgreSQL."""
    found = {}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                found[(model._meta.db_table, str(field.column))] = (model, field.name)
    return found


def _field_by_column(column: str, table: str | None = None) -> str:
    for (known_table, known_column), (_, name) in _columns().items():
        if known_column == column and (table is None or known_table == table):
            return name
    return column.removesuffix("_id")


def validate_check_constraints(
    model: type[models.Model], instance: models.Model, present: set[str]
) -> dict[str, list[str]]:
    """Run the model's check constraints on ``instance``; errors keyed by the first field named."""
    errors: dict[str, list[str]] = {}
    for constraint in model._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        fields = constraint_fields(constraint)
        if not set(fields) & present:
            continue
        try:
            constraint.validate(model, instance)
        except ValidationError as exc:
            field = next((name for name in fields if name in present), fields[0] if fields else NON_FIELD_ERRORS)
            errors.setdefault(field, []).extend(exc.messages)
    return errors


_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")
_PG_KEY = re.compile(r"Key \(([^)]+)\)=")


def integrity_error_response_detail(exc: IntegrityError) -> tuple[int, dict[str, Any]]:
    """(status, body) for an IntegrityError: 409 for a duplicate, 400 otherwise, naming the field."""
    text = str(exc)
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if not name:
        match = _SQLITE_CHECK.search(text)
        name = match.group(1) if match else None
    known = _by_name().get(name or "")
    if known is not None:
        field = known.fields[0] if known.fields else "detail"
        if known.kind == "unique":
            listed = ", ".join(known.fields)
            return 409, {field: [f"Another record already has this {listed}."], "detail": known.message}
        return 400, {field: [known.message], "detail": known.message}
    unique = _SQLITE_UNIQUE.search(text)
    if unique:
        columns = [part.split(".", 1) for part in unique.group(1).split(", ")]
        names = [_field_by_column(column, table) for table, column in columns]
        return 409, {names[0]: [f"Another record already has this {', '.join(names)}."], "detail": "Duplicate."}
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    key = _PG_KEY.search(getattr(diag, "message_detail", None) or text)
    if sqlstate == "23505" or "duplicate key" in text:
        table = getattr(diag, "table_name", None)
        names = [_field_by_column(column.strip(), table) for column in key.group(1).split(",")] if key else []
        field = names[0] if names else "detail"
        return 409, {field: [f"Another record already has this {', '.join(names) or 'value'}."]}
    if sqlstate == "23503" or "FOREIGN KEY" in text or "foreign key" in text:
        field = _field_by_column(key.group(1).strip(), getattr(diag, "table_name", None)) if key else "detail"
        return 400, {field: ["Refers to a record that does not exist (any more)."]}
    if sqlstate == "23502" or "NOT NULL" in text or "null value" in text:
        column = getattr(diag, "column_name", None) or text.rsplit(".", 1)[-1].strip()
        return 400, {_field_by_column(column): ["This field is required."]}
    return 409, {"detail": "The change conflicts with existing records; reload and try again."}


def name_constraint_errors(error_dict: dict[str, list[ValidationError]]) -> dict[str, list[str]]:
    """A model's ``full_clean`` errors with the constraint errors moved from ``__all__`` to their field."""
    named: dict[str, list[str]] = {}
    by_message = {constraint.message: constraint for constraint in _by_name().values()}
    for key, errors in error_dict.items():
        for error in errors:
            target = key
            if key == NON_FIELD_ERRORS:
                params = error.params or {}
                unique_check = params.get("unique_check") if isinstance(params, dict) else None
                message = error.message % params if params else error.message
                known = by_message.get(str(message))
                if unique_check:
                    target = unique_check[0]
                elif known is not None and known.fields:
                    target = known.fields[0]
            named.setdefault(target, []).extend(error.messages)
    return named
