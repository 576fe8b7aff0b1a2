"""Password sign-in under ``PASSWORD_LOGIN`` (all, admins-only, none)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


def password_login_allowed(user: Any) -> bool:
    mode = settings.PASSWORD_LOGIN
    if mode == "all":
        return True
    if mode == "admins-only":
        # The accounts that open the admin keep a password as the way in when the provider is down.
        return bool(user.is_staff or user.is_superuser)
    return False


class PasswordBackend(ModelBackend):
    """Django's username/password backend, refusing accounts the policy keeps on single sign-on.

    The policy is applied when signing in, not when a session is loaded, so
    changing it never signs anybody out by surprise.
    """

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if settings.PASSWORD_LOGIN == "none":
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not password_login_allowed(user):
            return None
        return user
