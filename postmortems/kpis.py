"""Post-mortem KPIs, computed by the database over what the reader may see.

Action-item figures are one aggregate query. The median delay from the last
incident's resolution to the first publication is a ``percentile_cont`` on
PostgreSQL; SQLite has no percentile aggregate, so there the database computes
each delay and Python takes the median. Exercises are left out unless asked for.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from postmortems.choices import ActionItemStatus, PostmortemStatus
from postmortems.models import ActionItem, Postmortem, PostmortemIncident
from postmortems.selectors import action_items_visible_to, overdue_condition, postmortems_visible_to


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 1)


def _postmortems(user: Any, include_exercises: bool) -> QuerySet[Postmortem]:
    postmortems = postmortems_visible_to(user)
    if not include_exercises:
        exercise = PostmortemIncident.objects.filter(postmortem=OuterRef("pk"), incident__is_exercise=True)
        postmortems = postmortems.exclude(Exists(exercise))
    return postmortems


def _action_item_figures(items: QuerySet[ActionItem], today: date) -> dict[str, Any]:
    figures = items.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=ActionItemStatus.OPEN)),
        in_progress=Count("id", filter=Q(status=ActionItemStatus.IN_PROGRESS)),
        done=Count("id", filter=Q(status=ActionItemStatus.DONE)),
        wont_do=Count("id", filter=Q(status=ActionItemStatus.WONT_DO)),
        overdue=Count("id", filter=overdue_condition(today)),
        closed_on_time=Count(
            "id", filter=Q(status=ActionItemStatus.DONE, closed_at__date__lte=F("due_date"))
        ),
    )
    closed = figures["done"] + figures["wont_do"]
    figures["closure_rate"] = round(closed / figures["total"], 4) if figures["total"] else None
    return figures


def _publication_delays(postmortems: QuerySet[Postmortem]) -> QuerySet[Any]:
    """The post-mortems annotated with ``delay`` (resolution to first publication)."""
    last_resolution = (
        PostmortemIncident.objects.filter(postmortem=OuterRef("pk"))
        .values("postmortem")
        .annotate(last=Max("incident__resolved_at"))
        .values("last")
    )
    return (
        postmortems.filter(first_published_at__isnull=False)
        .annotate(resolved_at=Subquery(last_resolution))
        .filter(resolved_at__isnull=False)
        .annotate(
            delay=ExpressionWrapper(F("first_published_at") - F("resolved_at"), output_field=DurationField())
        )
    )


def postmortem_kpis(
    user: Any, *, include_exercises: bool = False, today: date | None = None
) -> dict[str, Any]:
    today = today or timezone.localdate()
    postmortems = _postmortems(user, include_exercises)
    items = action_items_visible_to(user).filter(postmortem__in=postmortems.values("pk"))
    counts = postmortems.aggregate(
        total=Count("id"),
        draft=Count("id", filter=Q(status=PostmortemStatus.DRAFT)),
        in_review=Count("id", filter=Q(status=PostmortemStatus.IN_REVIEW)),
        published=Count("id", filter=Q(status=PostmortemStatus.PUBLISHED)),
    )
    delays = _publication_delays(postmortems)
    if connection.vendor == "postgresql":
        summary = delays.aggregate(median=Median("delay"), sample=Count("id"))
        median, sample = summary["median"], summary["sample"]
    else:
        values = [delay for delay in delays.values_list("delay", flat=True) if delay is not None]
        median = statistics.median(values) if values else None
        sample = len(values)
    return {
        "action_items": _action_item_figures(items, today),
        "postmortems": {
            **counts,
            "median_seconds_resolution_to_publication": _seconds(median),
            "published_with_resolution": sample,
        },
    }
