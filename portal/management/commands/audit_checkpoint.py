"""``manage.py audit_checkpoint``: sign the head of the audit trail (from cron, every few minutes)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal import audit_key
from portal.checkpoints import checkpoint_create, log_path


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit trail's head (stored, appended to AUDIT_CHECKPOINT_LOG and "
        "sent as the audit.checkpoint webhook event); --public-key prints the key that verifies them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public-key", action="store_true", help="print the public key (PEM) and its id, sign nothing"
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing on success")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["public_key"]:
                key = audit_key.public_key(create=True)
                self.stdout.write(audit_key.public_key_pem(key), ending="")
                self.stderr.write(f"key id {audit_key.key_id(key)}")
                return
            checkpoint = checkpoint_create()
        except (OSError, ValueError) as exc:
            self.stderr.write(f"audit_checkpoint: {exc}")
            sys.exit(2)
        if not options["quiet"]:
            self.stdout.write(
                f"Checkpoint {checkpoint.pk}: event #{checkpoint.sequence} {checkpoint.head_hash[:16]}… "
                f"signed by key {checkpoint.key_id}, logged to {log_path()}."
            )
