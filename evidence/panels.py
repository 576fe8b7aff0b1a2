"""The evidence-pack form on the audit page (slot ``audit`` of ``portal.panels``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from portal.panels import Panel, register


def pack_panel(request: HttpRequest, obj: Any) -> Mapping[str, Any] | None:
    from evidence.views import panel_context

    return panel_context(request)


def register_panels() -> None:
    register(Panel("audit", "evidence_pack", "evidence/panels/audit_pack.html", pack_panel, order=10))
