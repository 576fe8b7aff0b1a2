"""Response-time KPIs, from the monthly rollup plus a small live remainder.

MTTD: occurred -> detected; MTTA: detected -> acknowledged; MTTC: detected ->
contained; MTTR: detected -> resolved. Declined incidents are not incidents,
and exercises are left out unless asked for.

The answer does not grow with the number of incidents: whole UTC months come
from ``KpiMonth`` (kept exact by triggers, ``incidents/kpi_rollup.py``); only
what the rollup cannot answer is aggregated from the incidents themselves,
through the ``detected_at`` covering index:

- the partial months at the edges of a ``detected_after``/``detected_before`` range;
- in another time zone than UTC, the hours between each UTC month boundary and
  the local one (those incidents are taken out of their UTC month and put in
  their local one);
- for a reader who does not see every restricted incident, the restricted
  incidents of their own (the rollup then serves the unrestricted ones only):
  those they hold a current role on, from the partial index of their seats on
  restricted incidents, and those they declared, from the covering index of
  restricted incidents by declarer; neither reads other readers' rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from incidents.choices import IncidentStatus
from incidents.kpi_rollup import INTERVALS, MEASURES, aggregate
from incidents.models import Incident, KpiMonth, Severity
from incidents.permissions import can_view_incidents, can_view_restricted
from incidents.selectors import incidents_visible_to, own_restricted

_INTERVALS = INTERVALS


@dataclass(frozen=True)
class KpiFilters:
    categories: list[str]
    severities: list[str]
    detected_after: datetime | None = None
    detected_before: datetime | None = None
    include_exercises: bool = False


def kpi_queryset(user: Any, filters: KpiFilters) -> QuerySet[Incident]:
    """The incidents the KPIs are about (a full scan: the reference the rollup is tested against)."""
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


def _utc_month(moment: date) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _next_month(moment: date) -> date:
    return date(moment.year + moment.month // 12, moment.month % 12 + 1, 1)


def _months_between(first: date, last: date) -> list[date]:
    """Month starts from ``first``'s month to ``last``'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _rollup_span(
    after: datetime | None, before: datetime | None, bounds: tuple[date, date] | None
) -> tuple[date, date] | None:
    """The whole UTC months [first, end) inside [after, before) that hold data, or None."""
    if bounds is None:
        return None
    first, last = bounds
    end = _next_month(last)
    if after is not None:
        start = after.astimezone(UTC)
        month = start.date().replace(day=1)
        first = max(first, month if start == _utc_month(month) else _next_month(month))
    if before is not None:
        stop = before.astimezone(UTC).date().replace(day=1)
        end = min(end, stop)
    return (first, end) if first < end else None


def _local_slivers(span: tuple[date, date], tz: tzinfo) -> list[tuple[datetime, datetime]]:
    """Between each UTC month boundary of the span and the same boundary in ``tz``: incidents
    whose UTC month is not their local month."""
    slivers = []
    for month in [*_months_between(span[0], span[1] - timedelta(days=1)), span[1]]:
        utc = _utc_month(month)
        local = datetime(month.year, month.month, 1, tzinfo=tz).astimezone(UTC)
        if local != utc:
            slivers.append((min(utc, local), max(utc, local)))
    return slivers


def _in_ranges(ranges: list[tuple[datetime, datetime]]) -> Q:
    condition = Q(pk__in=[])
    for start, end in ranges:
        condition |= Q(detected_at__gte=start, detected_at__lt=end)
    return condition


def _add(
    totals: dict[tuple[Any, ...], list[int]], part: dict[tuple[Any, ...], list[int]], sign: int = 1
) -> None:
    for key, values in part.items():
        row = totals[key]
        for index, value in enumerate(values):
            row[index] += sign * value


def incident_kpis(user: Any, filters: KpiFilters) -> list[dict[str, Any]]:
    """One row per month x severity, with averages in seconds (None when no incident has the stamps)."""
    if not (user and user.is_authenticated and user.is_active and can_view_incidents(user)):
        return []
    tz = timezone.get_current_timezone()
    rollup, live, restricted_live = _kpi_sources(filters, sees_all=can_view_restricted(user))
    after, before = filters.detected_after, filters.detected_before
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    span = _stored_span(rollup, after, before)
    if span is not None:
        _add_stored_months(totals, rollup, live, span, tz)
    outside = _outside_span(after, before, span)
    if outside:
        _add(totals, aggregate(live.filter(_in_ranges(outside)), tz=tz))
    if restricted_live is not None:
        for part in own_restricted(user):
            _add(totals, aggregate(restricted_live.filter(part), tz=tz))
    return _rows(totals)


def _kpi_sources(
    filters: KpiFilters, *, sees_all: bool
) -> tuple[QuerySet[KpiMonth], QuerySet[Incident], QuerySet[Incident] | None]:
    """The rollup and the live incidents under the same filters (the rollup's columns), and for a
    reader who does not see every restricted incident the restricted ones apart (the rollup and
    the live incidents then hold the unrestricted ones only)."""
    rollup = KpiMonth.objects.all()
    live = Incident.objects.exclude(status=IncidentStatus.DECLINED)
    if not filters.include_exercises:
        rollup, live = rollup.filter(is_exercise=False), live.filter(is_exercise=False)
    if filters.categories:
        rollup = rollup.filter(category__slug__in=filters.categories)
        live = live.filter(category__slug__in=filters.categories)
    if filters.severities:
        rollup = rollup.filter(severity__name__in=filters.severities)
        live = live.filter(severity__name__in=filters.severities)
    if filters.detected_after:
        live = live.filter(detected_at__gte=filters.detected_after)
    if filters.detected_before:
        live = live.filter(detected_at__lt=filters.detected_before)
    if sees_all:
        return rollup, live, None
    return rollup.filter(is_restricted=False), live.filter(is_restricted=False), live.filter(is_restricted=True)


def _stored_span(
    rollup: QuerySet[KpiMonth], after: datetime | None, before: datetime | None
) -> tuple[date, date] | None:
    """The whole UTC months of [after, before) that the rollup answers, or None."""
    bounds = rollup.filter(incidents__gt=0).values_list("month", flat=True).order_by("month")
    first, last = bounds.first(), bounds.last()
    return _rollup_span(after, before, (first, last) if first and last else None)


def _add_stored_months(
    totals: dict[tuple[Any, ...], list[int]],
    rollup: QuerySet[KpiMonth],
    live: QuerySet[Incident],
    span: tuple[date, date],
    tz: tzinfo,
) -> None:
    """The rollup's months of ``span``; in a time zone other than UTC, the incidents between a UTC
    and the local month boundary move from their UTC month to their local one."""
    stored = (
        rollup.filter(month__gte=span[0], month__lt=span[1])
        .values("month", "severity_id")
        .annotate(**{m: Sum(m) for m in MEASURES})
        .order_by()
    )
    for row in stored:
        values: dict[str, Any] = dict(row)
        _add(totals, {(values["month"], values["severity_id"]): [values[m] for m in MEASURES]})
    slivers = _local_slivers(span, tz)
    if slivers:
        inside = Q(detected_at__gte=_utc_month(span[0]), detected_at__lt=_utc_month(span[1]))
        moved = live.filter(inside & _in_ranges(slivers))
        _add(totals, aggregate(moved, tz=UTC), -1)
        _add(totals, aggregate(moved, tz=tz))


def _outside_span(
    after: datetime | None, before: datetime | None, span: tuple[date, date] | None
) -> list[tuple[datetime, datetime]]:
    """[after, before) minus the rollup's span: what is aggregated from the incidents themselves."""
    if span is None:
        return [(after or datetime.min.replace(tzinfo=UTC), before or datetime.max.replace(tzinfo=UTC))]
    outside = []
    if after and after < _utc_month(span[0]):
        outside.append((after, _utc_month(span[0])))
    if before and before > _utc_month(span[1]):
        outside.append((_utc_month(span[1]), before))
    return outside


def _rows(totals: dict[tuple[Any, ...], list[int]]) -> list[dict[str, Any]]:
    severities = {s.pk: (s.rank, s.name) for s in Severity.objects.filter(pk__in={k[1] for k in totals})}
    rows = []
    for (month, severity_id), values in sorted(
        totals.items(), key=lambda item: (item[0][0], severities[item[0][1]][0])
    ):
        measures = dict(zip(MEASURES, values, strict=True))
        if measures["incidents"] <= 0:
            continue
        row: dict[str, Any] = {
            "month": month.strftime("%Y-%m"),
            "severity": severities[severity_id][1],
            "incidents": measures["incidents"],
        }
        for name in INTERVALS:
            count = measures[f"{name}_count"]
            row[f"{name}_seconds"] = (
                round(measures[f"{name}_total_us"] / count / 1_000_000, 1) if count else None
            )
        rows.append(row)
    return rows
