"""The single permission class of the API.

Each view declares, per action (viewsets) or per HTTP method (plain views),
the ``app_label.codename`` permissions it needs; anything a view does not
declare is refused. Apps keep these declarations in their own
``permissions.py`` so that every rule of an app is in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from portal.users import Viewer

_MODEL_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


PermissionSpec = Sequence[str] | Mapping[str, Sequence[str]]


def required_permissions(view: Any, request: Request) -> Sequence[str] | None:
    """The permissions this request needs, or None when the view declares none (refused).

    A declaration is a list of permissions, or a mapping of HTTP method to
    such a list for actions that answer several methods.
    """
    declared: Mapping[str, PermissionSpec] = getattr(view, "required_permissions", {})
    action = getattr(view, "action", None)
    if action is not None:
        if action in declared:
            spec: PermissionSpec | None = declared[action]
            if isinstance(spec, Mapping):
                return spec.get(request.method or "") or spec.get("GET" if request.method == "HEAD" else "")
            return spec
        queryset = getattr(view, "queryset", None)
        if action in _MODEL_ACTIONS and queryset is not None:
            meta = queryset.model._meta
            return [f"{meta.app_label}.{_MODEL_ACTIONS[action]}_{meta.model_name}"]
        if action == "metadata":
            return []
        return None
    spec = declared.get(request.method or "") or (
        declared.get("GET") if request.method in ("HEAD", "OPTIONS") else None
    )
    return spec if not isinstance(spec, Mapping) else None


class RolePermission(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "public", False):
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = required_permissions(view, request)
        if needed is None:
            return False
        return user.has_perms(needed)


# --- the portal's own endpoints ---------------------------------------------------------------------------

#: Your own API tokens: signed in is enough (the queryset holds only your tokens).
API_TOKEN_VIEWSET: dict[str, list[str]] = {
    "list": [],
    "retrieve": [],
    "create": [],
    "revoke": [],
    "destroy": [],
}
#: The user picker.
USER_VIEWSET = {"list": ["auth.view_user"], "retrieve": ["auth.view_user"]}

# --- who may do what --------------------------------------------------------------------------------


def can_view_dashboard(user: Viewer) -> bool:
    return bool(user.is_authenticated)


def can_view_audit_trail(user: Viewer) -> bool:
    return user.has_perm("portal.view_auditevent")


def can_open_admin(user: Viewer) -> bool:
    return bool(user.is_staff)


def can_administer_roles(user: Viewer) -> bool:
    """Whoever may reshape the roles may open the admin (asked of the roles, not of group names)."""
    return user.has_perm("auth.change_group")


def holds_a_role(user: Viewer) -> bool:
    """Superusers and members of at least one role; anybody else signed in sees the no-role page."""
    return bool(user.is_superuser or user.groups.exists())
