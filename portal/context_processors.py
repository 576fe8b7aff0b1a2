from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from portal.menu import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu entries the signed-in user may open (menus never offer a 403)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {"TIME_ZONE_NAME": timezone.get_current_timezone_name(), "menu": menu_for(user)}
