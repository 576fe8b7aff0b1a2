"""``manage.py import_incidents FILE.csv|FILE.json [--dry-run] [--actor USERNAME]``

Checks every row first and prints one line per row; imports all new rows in
one transaction or none (exit 2 and nothing written when any row is wrong);
rows whose reference was imported before are skipped, so a re-run of the same
file creates no duplicates. ``--dry-run`` goes as far as running the import
and rolling it back. See ``integrations.importing`` for the columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.importing import (
    ImportFileError,
    RowFailed,
    RowPlan,
    check_rows,
    import_actor,
    import_plans,
    read_rows,
)
from portal.users import User


class Command(BaseCommand):
    help = "Import historical incidents from a CSV or JSON file (all or nothing; re-runs add nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A .csv (with a header row) or .json file.")
        parser.add_argument("--dry-run", action="store_true", help="Check and rehearse; write nothing.")
        parser.add_argument(
            "--actor",
            help="Username the import is recorded under (default: the 'incident-import' service user).",
        )

    def _line(self, plan: RowPlan, verb: str) -> str:
        head = f"row {plan.number:>5}  {plan.reference or '(no reference)'}"
        if plan.errors:
            return f"{head}  ERROR: {' '.join(plan.errors)}"
        if plan.existing:
            return f"{head}  skipped: already imported as {plan.existing}"
        values = plan.values
        target = f" as {plan.created}" if plan.created else ""
        return (
            f"{head}  {verb}{target}: {values['status']}, {values['severity'].name}, "
            f"{values['category'].name}, {len(plan.steps)} transition(s)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        dry_run: bool = options["dry_run"]
        try:
            rows = read_rows(path)
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {options['actor']!r}.", returncode=2)
        else:
            actor = import_actor()
        plans = check_rows(rows)
        invalid = [plan for plan in plans if plan.errors]
        new = [plan for plan in plans if plan.is_new]
        skipped = len(plans) - len(invalid) - len(new)
        if invalid:
            for plan in plans:
                self.stdout.write(self._line(plan, "ok"))
            raise CommandError(
                f"{len(invalid)} of {len(plans)} row(s) have errors; nothing was imported.", returncode=2
            )
        try:
            created = import_plans(plans, actor=actor, source_file=path.name, dry_run=dry_run)
        except RowFailed as exc:
            exc.plan.errors.append(str(exc))
            for plan in plans:
                self.stdout.write(self._line(plan, "ok"))
            raise CommandError(
                f"Row {exc.plan.number} could not be imported; nothing was imported.", returncode=2
            ) from None
        verb = "would create" if dry_run else "created"
        for plan in plans:
            if dry_run:
                plan.created = ""
            self.stdout.write(self._line(plan, verb))
        summary = f"{len(plans)} row(s): {created} {verb}, {skipped} already imported."
        if dry_run:
            summary += " Dry run: nothing was written."
        self.stdout.write(self.style.SUCCESS(summary))
