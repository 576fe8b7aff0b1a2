"""``manage.py send_deadline_reminders``: run every few minutes (cron or a systemd timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from compliance.reminders import send_deadline_reminders


class Command(BaseCommand):
    help = "Queue reminder mails for obligations due within 24 h / 4 h and overdue ones, each exactly once."

    def handle(self, *args: Any, **options: Any) -> None:
        run = send_deadline_reminders()
        self.stdout.write(f"Queued {run.sent} reminder(s); {run.skipped} already sent.")
