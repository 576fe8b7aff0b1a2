from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.identity.lockout import lockout_lift


class Command(BaseCommand):
    help = "Lift the sign-in lockout of USERNAME, from every address (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"unlock: no user named {username!r}", returncode=2)
        removed = lockout_lift(username=username, actor=None, via="manage.py unlock")
        if removed:
            self.stdout.write(f"Lifted the lockout of {username} ({removed} failure record(s) removed).")
        else:
            self.stdout.write(f"{username} had no recorded failed sign-ins.")
