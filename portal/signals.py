"""Logins and failed logins belong in the audit trail too."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from portal.audit import audit_record


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, obj=user)


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    if "username" not in credentials:
        return  # an SSO callback: portal.identity audits its refusals with their reason
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="auth.login_failed",
        actor=None,
        object_type="auth.user",
        object_repr=username,
        changes={"username": username},
    )
