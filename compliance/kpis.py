"""On-time regulatory notification rate, from one aggregate query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from compliance.choices import ObligationStatus, ReportStatus
from compliance.models import RegulatorReport
from compliance.selectors import obligations_visible_to


def notification_kpis(user: Any, *, since: datetime) -> list[dict[str, Any]]:
    """Per month of the due time: obligations due, notified on time, and the rate.

    Counts obligations with a fixed due time in the past that were either
    fulfilled or are still open (overdue); waived and withdrawn ones do not count.
    """
    on_time_report = RegulatorReport.objects.filter(
        obligation=OuterRef("pk"), status=ReportStatus.SUBMITTED, submitted_at__lte=OuterRef("due_at")
    )
    rows = (
        obligations_visible_to(user)
        .filter(
            due_at__gte=since,
            due_at__lt=timezone.now(),
            status__in=[ObligationStatus.FULFILLED, ObligationStatus.OPEN],
            incident__is_exercise=False,
        )
        .annotate(month=TruncMonth("due_at"), on_time=Exists(on_time_report))
        .values("month")
        .annotate(due=Count("id"), notified_on_time=Count("id", filter=Q(on_time=True)))
        .order_by("month")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "due": row["due"],
            "on_time": row["notified_on_time"],
            "rate": round(100 * row["notified_on_time"] / row["due"], 1) if row["due"] else None,
        }
        for row in rows
    ]
