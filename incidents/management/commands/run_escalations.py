"""``manage.py run_escalations [--dry-run]``: escalate incidents that missed a target.

Run it every minute, e.g. from cron::

    * * * * *  cd /srv/portal && .venv/bin/python manage.py run_escalations --quiet

or from a systemd timer (``OnCalendar=minutely``) with a oneshot service.
Overlapping runs are safe: each escalation is recorded under a unique
constraint before anything else happens, so every incident is escalated once
per target (acknowledge, resolve, each playbook rule, each communication
guideline) however many runs see it. Mail leaves only after the commit.
Exercises escalate like real incidents, so that the path is practised, with
"[EXERCISE]" in front of the subject.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from incidents.services import escalations_due, escalations_run


class Command(BaseCommand):
    help = "Escalate open incidents past their acknowledge/resolve targets, playbook rules or communication deadlines (once each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what is due; write and send nothing."
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing when there is nothing to do.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            due = escalations_due()
            for item in due:
                self.stdout.write(f"due: incident {item.incident_id} {item.target}: {item.detail}")
            self.stdout.write(f"{len(due)} escalation(s) due (dry run: nothing written or sent).")
            return
        fired = escalations_run()
        for escalation in fired:
            self.stdout.write(
                f"escalated: incident {escalation.incident_id} {escalation.target}: {escalation.detail}"
            )
        if fired or not options["quiet"]:
            self.stdout.write(f"{len(fired)} escalation(s) fired.")
