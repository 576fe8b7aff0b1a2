"""Run the side effects that committed changes owe and the task queue never got (or that failed)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.outbox import outbox_process_due


class Command(BaseCommand):
    help = "Runs due outbox messages (mails, webhook hand-offs) once, or in a loop with --loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running, one pass every --interval")
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between passes (--loop)")
        parser.add_argument("--quiet", action="store_true", help="print nothing when nothing was due")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            counts = outbox_process_due()
            if counts or not options["quiet"]:
                summary = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
                self.stdout.write(f"outbox: {summary or 'nothing due'}")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
