"""``manage.py assess [FILE|-] [--explain]``: facts JSON in, obligations JSON out."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compliance.regimes import FactsError, assess_json
from compliance.selectors import custom_regime_specs


class Command(BaseCommand):
    help = "Compute the regulatory obligations and deadlines for incident facts (see regimes/RULES.md)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help="A JSON file of facts, or - for standard input."
        )
        parser.add_argument(
            "--explain", action="store_true", help="Say for every regime why it applies or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}", returncode=2
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", returncode=2
            ) from None
        try:
            result = assess_json(data, custom_regimes=custom_regime_specs(), explain=options["explain"])
        except FactsError as exc:
            message = " ".join(str(exc).split())
            raise CommandError(message, returncode=2) from None
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
