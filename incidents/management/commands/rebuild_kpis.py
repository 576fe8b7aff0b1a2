"""Recompute the monthly KPI rollup from the incidents (after a restore or a manual repair)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from incidents import kpi_rollup


class Command(BaseCommand):
    help = (
        "Rebuild the monthly KPI rollup (incidents_kpimonth) from the incidents and correct the role "
        "assignments' restricted flags, in one transaction."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        before = kpi_rollup.stored()
        groups, flags = kpi_rollup.rebuild()
        after = kpi_rollup.stored()
        changed = sum(1 for key in before.keys() | after.keys() if before.get(key) != after.get(key))
        self.stdout.write(
            f"KPI rollup rebuilt: {groups} groups, {changed} differed from the stored rollup; "
            f"{flags} role assignments had a restricted flag that differed from their incident."
        )
