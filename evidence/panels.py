"""The evidence-pack panel on the audit page (slot ``audit`` of ``portal.panels``) and its menu entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from evidence.permissions import sees_packs_only
from evidence.views import panel_context
from portal import menu
from portal.panels import Panel, register


def pack_panel(request: HttpRequest, obj: Any) -> Mapping[str, Any] | None:
    return panel_context(request)


def register_panels() -> None:
    register(Panel("audit", "evidence_pack", "evidence/panels/audit_pack.html", pack_panel, order=10))
    menu.register(menu.MenuEntry("evidence", "Evidence packs", "audit", sees_packs_only, order=81))
