"""The checks an evidence-pack request must pass, shared by the command and the web form."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from compliance.models import LegalEntity
from evidence import collect


class BadRequest(Exception):
    """Bad input: ``field`` names where it belongs (a form field or a command option)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


def check_period(start: date, end: date) -> None:
    if end < start:
        raise BadRequest("to", f"--to {end} is before --from {start}")


def check_references(user: Any, references: list[str]) -> None:
    unknown = collect.unknown_references(user, references)
    if unknown:
        raise BadRequest("incidents", f"unknown incident reference: {', '.join(unknown)}")


def check_entity(entity_id: int | None) -> None:
    if entity_id is not None and not LegalEntity.objects.filter(pk=entity_id).exists():
        raise BadRequest("entity", f"unknown legal entity id {entity_id}")


def check_output(path: Path) -> None:
    """The pack can be written there: a file name in an existing, writable folder."""
    target = path.expanduser()
    if target.is_dir():
        raise BadRequest("output", f"{path} is a directory")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise BadRequest("output", f"cannot write {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise BadRequest("output", f"cannot write {path}: permission denied")
