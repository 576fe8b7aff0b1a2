"""``manage.py evidence_pack``: one self-verifying ZIP with the proof of a period's incidents."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from evidence import validation
from evidence.generation import pack_audit
from evidence.pack import EverythingViewer, PackRequest, build_pack


class Command(BaseCommand):
    help = (
        "Write an evidence pack (ZIP with a signed manifest and its own verify.py) for the incidents of a "
        "period; exit 2 with one line on stderr for bad input, writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="period_from", required=True, metavar="DATE", help="first day, YYYY-MM-DD"
        )
        parser.add_argument(
            "--to", dest="period_to", required=True, metavar="DATE", help="last day, YYYY-MM-DD"
        )
        parser.add_argument(
            "--incident", action="append", default=[], metavar="REF", help="only this incident (repeatable)"
        )
        parser.add_argument(
            "--entity", type=int, metavar="ID", help="only incidents assessed for this legal entity"
        )
        parser.add_argument("--output", required=True, metavar="PATH.zip", help="where to write the pack")
        parser.add_argument(
            "--user", metavar="USERNAME", help="pack only what this user may see (default: everything)"
        )

    def _fail(self, message: str) -> None:
        self.stderr.write(f"evidence_pack: {message}")
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start = validation.parse_date(options["period_from"], "from")
            end = validation.parse_date(options["period_to"], "to")
            validation.check_period(start, end)
            viewer: Any = EverythingViewer()
            if options["user"]:
                viewer = get_user_model().objects.filter(username=options["user"], is_active=True).first()
                if viewer is None:
                    self._fail(f"unknown user {options['user']}")
            references = sorted({ref.strip() for ref in options["incident"] if ref.strip()})
            validation.check_references(viewer, references)
            validation.check_entity(options["entity"])
            output = Path(options["output"])
            validation.check_output(output)
        except validation.BadRequest as bad:
            self._fail(bad.message)
        request = PackRequest(
            user=viewer,
            period_from=start,
            period_to=end,
            references=tuple(references),
            entity_id=options["entity"],
        )
        try:
            result = build_pack(request, output)
        except OSError as exc:
            self._fail(f"cannot write {output}: {exc.strerror or exc}")
        with transaction.atomic():
            pack_audit(actor=None, request=request, result=result, via="manage.py evidence_pack")
        for problem in result.problems:
            self.stderr.write(f"warning: {problem}")
        self.stdout.write(
            f"Evidence pack {result.path}: {result.incident_count} incidents, {result.files} files, "
            f"{result.size} bytes, SHA-256 {result.sha256}."
        )
