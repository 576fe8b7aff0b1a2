"""Stored files against their records: missing files, changed files, files no record owns."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.storage import verify_storage


class Command(BaseCommand):
    help = (
        "Checks evidence, regulator report PDFs and post-mortem revisions against their SHA-256 and "
        "lists orphan files in MEDIA_ROOT; exit 1 when anything is wrong."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_storage()
        for line in report.missing:
            self.stdout.write(f"MISSING   {line}")
        for line in report.mismatched:
            self.stdout.write(f"MISMATCH  {line}")
        for name in report.orphans:
            self.stdout.write(f"ORPHAN    {name} (no record refers to it)")
        summary = (
            f"{report.checked} records checked: {len(report.missing)} missing, "
            f"{len(report.mismatched)} mismatched, {len(report.orphans)} orphan files."
        )
        if not report.ok:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
