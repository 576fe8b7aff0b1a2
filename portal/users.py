"""How the code names people: the project's user model, and who a request acts as.

The portal uses Django's own ``auth.User`` (no swapped model), so services
take ``actor: User``. Reads are scoped to a ``Viewer``, which may also be the
anonymous user (it then sees nothing). Views and API endpoints behind the
role checks get the signed-in user with ``acting_user(request)``.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

__all__ = ["User", "Viewer", "acting_user", "display_name"]

Viewer = User | AnonymousUser


def acting_user(request: HttpRequest | Request) -> User:
    """The signed-in user of a request that passed the role checks; anyone else is refused."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


def display_name(user: object, default: str = "") -> str:
    """How a person is named on pages and in timeline texts: the full name, else the username.

    The username itself belongs only where it identifies an account (profile, admin, API).
    """
    if user is None or not getattr(user, "pk", None):
        return default
    full_name = (getattr(user, "get_full_name", lambda: "")() or "").strip()
    return full_name or str(getattr(user, "username", "") or default)
