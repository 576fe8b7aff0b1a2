"""The compliance app's menu entry and its panels on pages composed by others (``portal.panels``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from compliance import permissions
from compliance.applicability import applicability_for
from compliance.choices import ObligationStatus
from compliance.kpis import notification_kpis
from compliance.models import Assessment
from compliance.selectors import obligations_visible_to
from incidents.models import Incident
from portal.charts import bar_chart
from portal.menu import MenuEntry
from portal.menu import register as register_menu_entry
from portal.panels import Panel, register
from portal.ui import month_labels, twelve_months_ago


def _incident_obligations(request: HttpRequest, incident: Incident) -> Mapping[str, Any] | None:
    user = request.user
    if not permissions.can_view_obligations(user):
        return None
    assessment = Assessment.objects.filter(incident=incident).select_related("entity", "incident").first()
    return {
        "obligations": obligations_visible_to(user).filter(incident=incident).prefetch_related("reports"),
        "assessment": assessment,
        "applicability": applicability_for(assessment) if assessment is not None else [],
        "can_assess": permissions.can_assess(user),
    }


def _deadline_board(request: HttpRequest, obj: Any) -> Mapping[str, Any]:
    user = request.user
    if not permissions.can_view_obligations(user):
        return {"deadline_board": None}
    board = (
        obligations_visible_to(user)
        .filter(status=ObligationStatus.OPEN, incident__is_exercise=False)
        .order_by("due_at", "code")[:15]
    )
    return {"deadline_board": board, "now": timezone.now()}


def _on_time_rates(request: HttpRequest, obj: Any) -> Mapping[str, Any] | None:
    user = request.user
    if not permissions.can_view_obligations(user):
        return None
    since = twelve_months_ago()
    labels = month_labels(since.date(), 12)
    rates = {row["month"]: row for row in notification_kpis(user, since=since)}
    chart = bar_chart(
        [label[2:] for label in labels],
        [rates[m]["rate"] if m in rates else None for m in labels],
        unit="%",
        title="Regulatory notifications made on time, by month of the deadline",
        maximum=100,
    )
    due = sum(row["due"] for row in rates.values())
    on_time = sum(row["on_time"] for row in rates.values())
    return {
        "rate_chart": chart,
        "rate_total": round(100 * on_time / due, 1) if due else None,
        "rate_counts": (on_time, due),
    }


def _calendar_feed(request: HttpRequest, obj: Any) -> Mapping[str, Any] | None:
    if not permissions.can_view_obligations(request.user):
        return None
    return {"feed_url": request.session.pop("feed_url", None)}


register(
    Panel(
        "incident.main",
        "compliance.obligations",
        "compliance/panels/incident_obligations.html",
        _incident_obligations,
        order=10,
    )
)
register(
    Panel(
        "dashboard.main",
        "compliance.deadlines",
        "compliance/panels/dashboard_deadlines.html",
        _deadline_board,
        order=10,
    )
)
register(
    Panel(
        "dashboard.charts",
        "compliance.rates",
        "compliance/panels/dashboard_rates.html",
        _on_time_rates,
        order=20,
    )
)
register(Panel("profile", "compliance.calendar_feed", "compliance/panels/profile_feed.html", _calendar_feed))
register_menu_entry(
    MenuEntry("compliance", "Compliance", "compliance:board", permissions.can_view_obligations, order=20)
)
