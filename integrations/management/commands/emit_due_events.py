"""``manage.py emit_due_events``: send due-date webhooks once each, and re-queue lost deliveries.

Run it from cron every few minutes (next to ``send_deadline_reminders``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from integrations.due import emit_due_events
from integrations.outbound import requeue_stuck


class Command(BaseCommand):
    help = "Emit obligation.due_soon / obligation.overdue / action_item.overdue webhooks (once each)."

    def handle(self, *args: Any, **options: Any) -> None:
        run = emit_due_events()
        requeued = requeue_stuck()
        self.stdout.write(
            f"{run.emitted} due event(s) emitted, {run.already} already sent; "
            f"{requeued} stuck deliver(y/ies) re-queued."
        )
