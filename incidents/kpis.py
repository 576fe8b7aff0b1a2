"""Response-time KPIs computed by the database (one aggregate query).

MTTD: occurred -> detected; MTTA: detected -> acknowledged; MTTC: detected ->
contained; MTTR: detected -> resolved. Declined incidents are not incidents,
and exercises are left out unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import TruncMonth

from incidents.choices import IncidentStatus
from incidents.models import Incident
from incidents.selectors import incidents_visible_to

_INTERVALS = {
    "mttd": ("occurred_at", "detected_at"),
    "mtta": ("detected_at", "acknowledged_at"),
    "mttc": ("detected_at", "contained_at"),
    "mttr": ("detected_at", "resolved_at"),
}


@dataclass(frozen=True)
class KpiFilters:
    categories: list[str]
    severities: list[str]
    detected_after: datetime | None = None
    detected_before: datetime | None = None
    include_exercises: bool = False


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 1)


def kpi_queryset(user: Any, filters: KpiFilters) -> QuerySet[Incident]:
    incidents = incidents_visible_to(user).exclude(status=IncidentStatus.DECLINED)
    if not filters.include_exercises:
        incidents = incidents.filter(is_exercise=False)
    if filters.categories:
        incidents = incidents.filter(category__slug__in=filters.categories)
    if filters.severities:
        incidents = incidents.filter(severity__name__in=filters.severities)
    if filters.detected_after:
        incidents = incidents.filter(detected_at__gte=filters.detected_after)
    if filters.detected_before:
        incidents = incidents.filter(detected_at__lt=filters.detected_before)
    return incidents


def incident_kpis(user: Any, filters: KpiFilters) -> list[dict[str, Any]]:
    """One row per month x severity, with averages in seconds (None when no incident has the stamps)."""
    averages = {
        name: Avg(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))
        for name, (start, end) in _INTERVALS.items()
    }
    rows = (
        kpi_queryset(user, filters)
        .annotate(month=TruncMonth("detected_at"))
        .values("month", "severity__name", "severity__rank")
        .annotate(incidents=Count("id"), **averages)
        .order_by("month", "severity__rank")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "severity": row["severity__name"],
            "incidents": row["incidents"],
            **{f"{name}_seconds": _seconds(row[name]) for name in _INTERVALS},
        }
        for row in rows
    ]
