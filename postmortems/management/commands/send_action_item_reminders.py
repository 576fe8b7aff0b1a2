"""``manage.py send_action_item_reminders``: mail owners of action items due soon or overdue.

Run it daily (cron, systemd timer). Each reminder goes out once per item,
kind (due within three days, overdue) and due date, however often and however
concurrently the command runs: a table with a unique constraint records what
was sent, and the mail leaves only after that record is committed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from postmortems.services import action_item_send_reminders


class Command(BaseCommand):
    help = "Email owners of action items due within three days or overdue (each reminder once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Treat this date (YYYY-MM-DD) as today; for catching up.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date such as 2026-03-27.") from None
        sent = action_item_send_reminders(today=today)
        self.stdout.write(f"Action item reminders sent: {len(sent)}.")
