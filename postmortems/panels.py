"""The post-mortems app's menu entries and its panels on pages composed by others (``portal.panels``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from incidents.models import Incident
from portal.menu import MenuEntry
from portal.menu import register as register_menu_entry
from portal.panels import Panel, register
from postmortems import permissions
from postmortems.selectors import action_items_visible_to, postmortems_visible_to


def _incident_postmortems(request: HttpRequest, incident: Incident) -> Mapping[str, Any] | None:
    user = request.user
    if not permissions.can_view_postmortems(user):
        return None
    return {
        "postmortems": postmortems_visible_to(user).filter(incidents=incident).distinct(),
        "can_start": permissions.can_start_postmortem(user),
    }


def _overdue_action_items(request: HttpRequest, obj: Any) -> Mapping[str, Any] | None:
    user = request.user
    if not permissions.can_view_action_items(user):
        return None
    overdue = [
        item for item in action_items_visible_to(user).select_related("owner")[:500] if item.is_overdue
    ]
    return {"overdue_items": overdue[:10], "overdue_items_count": len(overdue)}


register(
    Panel(
        "incident.side",
        "postmortems.postmortems",
        "postmortems/panels/incident_postmortems.html",
        _incident_postmortems,
        order=20,
    )
)
register(
    Panel(
        "dashboard.main",
        "postmortems.overdue_action_items",
        "postmortems/panels/dashboard_overdue.html",
        _overdue_action_items,
        order=30,
    )
)
register_menu_entry(
    MenuEntry("postmortems", "Post-mortems", "postmortems:list", permissions.can_view_postmortems, order=30)
)
register_menu_entry(
    MenuEntry(
        "action_items", "Action items", "action_items:board", permissions.can_view_action_items, order=40
    )
)
