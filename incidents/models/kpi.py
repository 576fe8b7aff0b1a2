"""The monthly KPI rollup: what the response-time KPIs need, kept per group.

One row per UTC month of ``detected_at`` x severity x category x exercise flag
x restricted flag, with the number of incidents (declined ones left out) and,
per interval, how many incidents have both stamps and the sum of their
durations in microseconds. Database triggers on the incident table keep it
exact in the same transaction as every change, whatever path made it
(services, the admin, imports, integrations, bulk updates, raw SQL); see
``incidents/kpi_rollup.py``. ``manage.py rebuild_kpis`` recomputes it.
"""

from __future__ import annotations

from django.db import models

from incidents.models.incident import Category, Severity


class KpiMonth(models.Model):
    """Counts and duration sums of one group of incidents in one UTC month."""

    month = models.DateField(help_text="First day of the UTC month of detected_at.")
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    is_exercise = models.BooleanField()
    is_restricted = models.BooleanField()
    incidents = models.BigIntegerField(default=0)
    mttd_count = models.BigIntegerField(default=0)
    mttd_total_us = models.BigIntegerField(default=0)
    mtta_count = models.BigIntegerField(default=0)
    mtta_total_us = models.BigIntegerField(default=0)
    mttc_count = models.BigIntegerField(default=0)
    mttc_total_us = models.BigIntegerField(default=0)
    mttr_count = models.BigIntegerField(default=0)
    mttr_total_us = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["month", "severity", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "severity", "category", "is_exercise", "is_restricted"],
                name="kpimonth_one_row_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.severity_id}/{self.category_id}: {self.incidents}"
