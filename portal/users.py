"""How the code names people: the project's user model, and who a request acts as.

The portal uses Django's own ``auth.User`` (no swapped model), so services
take ``actor: User``. Reads are scoped to a ``Viewer``, which may also be the
anonymous user (it then sees nothing). Views and API endpoints behind the
role checks get the signed-in user with ``acting_user(request)``.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
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


def display_name(user: AbstractBaseUser | None, default: str = "") -> str:
    """How a person is named in what people read: the full name, else the username.

    Texts that are kept (timeline lines, messages) are written with it at the
    time of the event, so that history reads right after a rename too. The
    username alone stays where it identifies an account (profile, admin, API).
    ``default`` names nobody (a vacant role, the system).
    """
    if user is None:
        return default
    full_name = user.get_full_name() if isinstance(user, User) else ""
    return full_name.strip() or user.get_username() or default
