"""``manage.py verify_audit``: prove that the audit trail was not altered, truncated or re-chained."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.audit_verify import default_max_age, record_verification, verify_trail
from portal.models import AuditVerification


class Command(BaseCommand):
    help = (
        "Walk the hash chain of the audit trail and check every signed checkpoint; exit 1 naming what is "
        "wrong (a broken event, missing events, a re-chained history, a forged or stale checkpoint)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="also verify the database against this copy of the checkpoint log (JSON lines)",
        )
        parser.add_argument(
            "--max-age",
            type=int,
            metavar="MINUTES",
            help="fail when the newest checkpoint is older (default AUDIT_CHECKPOINT_MAX_AGE_MINUTES; 0: never)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        external = Path(options["checkpoints"]) if options["checkpoints"] else None
        if external is not None and not external.is_file():
            self.stderr.write(f"verify_audit: cannot read {external}")
            sys.exit(2)
        minutes = options["max_age"]
        if minutes is not None and minutes < 0:
            self.stderr.write("verify_audit: --max-age must be 0 or more minutes")
            sys.exit(2)
        max_age = default_max_age() if minutes is None else (timedelta(minutes=minutes) if minutes else None)
        try:
            report = verify_trail(external_log=external, max_age=max_age)
        except (OSError, UnicodeDecodeError) as exc:
            self.stderr.write(f"verify_audit: cannot read {external}: {exc}")
            sys.exit(2)
        record_verification(report, AuditVerification.Kind.FULL)
        if report.ok:
            newest = (
                f" newest from {report.newest_checkpoint_at:%Y-%m-%d %H:%M:%S} UTC"
                if report.newest_checkpoint_at
                else " none yet"
            )
            self.stdout.write(
                f"Audit trail intact: {report.events_checked} events verified; "
                f"{report.checkpoints_checked} checkpoints verified,{newest}."
            )
            return
        broken = report.chain_break
        if broken is not None:
            self.stderr.write(
                f"Audit trail BROKEN at event #{broken.sequence} (id {broken.event_id}): {broken.reason}. "
                f"{report.events_checked} events before it verified."
            )
        for problem in report.problems:
            if broken is not None and problem.startswith("chain broken at"):
                continue
            self.stderr.write(f"Audit trail BROKEN: {problem}.")
        sys.exit(1)
