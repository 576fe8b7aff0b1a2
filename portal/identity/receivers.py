"""Signal receivers of the sign-in layer (connected by ``portal.apps``)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audit import audit_record
from portal.client_ip import client_ip
from portal.identity.lockout import lockout_lifts_at
from portal.identity.sessions import end_other_sessions, start_clock


@receiver(user_logged_in, dispatch_uid="identity_session_clock")
def _start_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start_clock(request)


@receiver(user_logged_out, dispatch_uid="identity_audit_logout")
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, obj=user)


@receiver(user_locked_out, dispatch_uid="identity_audit_lockout")
def _audit_lockout(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    # axes sends this when the limit is reached and again for each try during the lockout.
    username = str(username or "")[:150]
    until = lockout_lifts_at(username, ip_address or (client_ip(request) if request is not None else None))
    user = get_user_model().objects.filter(username=username).first()
    audit_record(
        action="auth.locked_out",
        actor=None,
        obj=user,
        object_type="" if user else "auth.user",
        object_repr="" if user else username,
        changes={
            "username": username,
            "locked_until": until,
            "during_lockout": getattr(request, "axes_failures_since_start", None) is None,
            "path": getattr(request, "path", ""),
        },
    )


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="identity_device_removed_elsewhere")
def _device_removed_elsewhere(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    """An authenticator deleted in the admin (a lost phone) ends every session of its owner, audited."""
    if getattr(instance, "portal_removal_audited", False) or not instance.confirmed:
        return
    ended = end_other_sessions(user_id=instance.user_id, keep_session_key=None)
    audit_record(
        action="mfa.removed",
        actor=None,
        obj=instance.user,
        changes={"devices": 1, "via": "admin", "sessions_ended": ended},
    )
