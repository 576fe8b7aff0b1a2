"""``manage.py verify_audit``: prove that the audit trail was not altered."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from portal.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the hash chain of the audit trail; exit 1 and name the first broken event if any."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(f"Audit trail intact: {checked} events verified.")
            return
        self.stderr.write(
            f"Audit trail BROKEN at event #{broken.sequence} (id {broken.event_id}): {broken.reason}. "
            f"{checked} events before it verified."
        )
        sys.exit(1)
