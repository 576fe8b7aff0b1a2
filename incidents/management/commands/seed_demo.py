"""``manage.py seed_demo [--force]``: load realistic demo data, idempotently (see ``incidents.demo``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.demo import seed_demo


class Command(BaseCommand):
    help = "Load realistic demo data (users, services, incidents with their timelines); safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Create the demo users even when DEBUG is off."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or options["force"]):
            raise CommandError(
                "Refusing to seed: demo users with the password 'demo' are only created when DEBUG is on "
                "or with --force."
            )
        seed_demo(self.stdout, self.style)
