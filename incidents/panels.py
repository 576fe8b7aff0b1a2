"""The incidents app's menu entry and its panels on pages composed by others (``portal.panels``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count
from django.http import HttpRequest

from incidents import permissions
from incidents.choices import OPEN_STATUSES
from incidents.kpis import KpiFilters, incident_kpis
from incidents.models import Severity
from incidents.selectors import incidents_visible_to
from portal.charts import Series, line_chart
from portal.menu import MenuEntry
from portal.menu import register as register_menu_entry
from portal.panels import Panel, register
from portal.ui import month_labels, twelve_months_ago


def _declare_button(request: HttpRequest, obj: Any) -> Mapping[str, Any] | None:
    return {} if permissions.can_declare_incident(request.user) else None


def _open_incidents(request: HttpRequest) -> Any:
    return incidents_visible_to(request.user).filter(status__in=OPEN_STATUSES, is_exercise=False)


def _open_counts(request: HttpRequest, obj: Any) -> Mapping[str, Any]:
    by_severity = {
        row["severity"]: row["n"]
        for row in _open_incidents(request).values("severity").annotate(n=Count("id"))
    }
    return {
        "open_by_severity": [
            (severity, by_severity.get(severity.pk, 0)) for severity in Severity.objects.all()
        ],
        "open_total": sum(by_severity.values()),
    }


def _recent_open(request: HttpRequest, obj: Any) -> Mapping[str, Any]:
    recent = _open_incidents(request).select_related("severity", "category").order_by("-detected_at")[:8]
    return {"recent_open": recent}


def _kpi_chart(request: HttpRequest, obj: Any) -> Mapping[str, Any]:
    since = twelve_months_ago()
    labels = month_labels(since.date(), 12)
    rows = incident_kpis(request.user, KpiFilters(categories=[], severities=[], detected_after=since))
    totals: dict[str, dict[str, float]] = {}
    for row in rows:
        bucket = totals.setdefault(row["month"], {"n": 0, "mttd": 0.0, "mttd_n": 0, "mttr": 0.0, "mttr_n": 0})
        bucket["n"] += row["incidents"]
        for key in ("mttd", "mttr"):
            if row[f"{key}_seconds"] is not None:
                bucket[key] += row[f"{key}_seconds"] * row["incidents"]
                bucket[f"{key}_n"] += row["incidents"]

    def hours(month: str, key: str) -> float | None:
        bucket = totals.get(month)
        if not bucket or not bucket[f"{key}_n"]:
            return None
        return round(bucket[key] / bucket[f"{key}_n"] / 3600, 1)

    chart = line_chart(
        [label[2:] for label in labels],
        [
            Series("MTTD (h)", [hours(m, "mttd") for m in labels]),
            Series("MTTR (h)", [hours(m, "mttr") for m in labels]),
        ],
        unit="h",
        title="Mean time to detect and to resolve, hours, by month of detection",
    )
    table = [(m, hours(m, "mttd"), hours(m, "mttr"), int(totals.get(m, {}).get("n", 0))) for m in labels]
    return {"kpi_chart": chart, "kpi_table": table}


register(
    Panel(
        "dashboard.actions", "incidents.declare", "incidents/panels/dashboard_declare.html", _declare_button
    )
)
register(
    Panel("dashboard.stats", "incidents.open_counts", "incidents/panels/dashboard_stats.html", _open_counts)
)
register(
    Panel("dashboard.main", "incidents.open", "incidents/panels/dashboard_open.html", _recent_open, order=20)
)
register(
    Panel("dashboard.charts", "incidents.kpis", "incidents/panels/dashboard_kpis.html", _kpi_chart, order=10)
)
register_menu_entry(
    MenuEntry("incidents", "Incidents", "incidents:list", permissions.can_view_incidents, order=10)
)
