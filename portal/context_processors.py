from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which sections the signed-in user may open (menus never offer a 403)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "TIME_ZONE_NAME": timezone.get_current_timezone_name(),
        "nav": {
            "incidents": user.has_perm("incidents.view_incident"),
            "compliance": user.has_perm("compliance.view_obligation"),
            "postmortems": user.has_perm("postmortems.view_postmortem"),
            "action_items": user.has_perm("postmortems.view_actionitem"),
            "audit": user.has_perm("portal.view_auditevent"),
            "admin": user.is_staff,
        },
    }
