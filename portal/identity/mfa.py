"""The second factor: who needs one, checking a code, enrolment, recovery codes, removal.

django-otp does the cryptography, replay protection (a TOTP step is never
accepted twice) and per-device throttling (each wrong code doubles the wait
before the next try); this module holds the portal's rules around it.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audit import audit_record

RECOVERY_CODE_COUNT = 10
SSO_SESSION_KEY = "identity_sso"


def in_required_groups(user: Any) -> bool:
    """Membership of a role named in ``MFA_REQUIRED_GROUPS``: by group name, by definition of the setting."""
    names = settings.MFA_REQUIRED_GROUPS
    return bool(names) and user.groups.filter(name__in=names).exists()


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user: Any) -> bool:
    """Members of the required roles, and anyone who enrolled an authenticator, are asked for a code."""
    if not user.is_authenticated:
        return False
    return in_required_groups(user) or has_confirmed_device(user)


def sso_vouched(request: HttpRequest) -> bool:
    """The identity provider said (``amr``) that it asked for a second factor in this session."""
    sso = request.session.get(SSO_SESSION_KEY)
    return isinstance(sso, dict) and sso.get("mfa") is True


def second_factor_satisfied(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified()) or sso_vouched(request)


def needs_second_factor_now(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and not second_factor_satisfied(request) and second_factor_required(user)


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()[:32]


@dataclass(frozen=True)
class CodeCheck:
    device: Any | None
    throttled_until: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.device is not None


@transaction.atomic
def check_code(user: Any, code: str) -> CodeCheck:
    """Try the code on the user's confirmed authenticator, then on their recovery codes.

    A used recovery code is deleted by django-otp; a TOTP code is accepted at
    most once (the device remembers the last time step it accepted).
    """
    code = _normalise(code)
    throttled_until: datetime | None = None
    if not code:
        return CodeCheck(device=None)
    # Six digits are a TOTP code, anything else a recovery code: trying a code
    # on the wrong kind of device would only count a failure against it.
    wanted = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if not isinstance(device, wanted):
            continue
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until")
            throttled_until = max(filter(None, [throttled_until, until]), default=None)
            continue
        if device.verify_token(code):
            return CodeCheck(device=device)
    return CodeCheck(device=None, throttled_until=throttled_until)


def pending_device(user: Any, device_id: Any) -> TOTPDevice | None:
    if not isinstance(device_id, int):
        return None
    return TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()


@transaction.atomic
def enrolment_begin(*, user: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator; it counts only once a code from it is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def enrolment_confirm(*, user: Any, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from it; the new recovery codes, or None if refused."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(_normalise(code)):
        audit_record(action="mfa.failed", actor=user, obj=user, changes={"step": "enrolment"})
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit_record(
        action="mfa.enrolled",
        actor=user,
        obj=user,
        changes={"device": "totp", "recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: Any) -> list[str]:
    codes = _new_recovery_codes(user)
    audit_record(action="mfa.recovery_codes_renewed", actor=user, obj=user, changes={"count": len(codes)})
    return codes


@transaction.atomic
def second_factor_remove(*, user: Any, actor: Any) -> int:
    """Remove every authenticator and recovery code of the user (audited)."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user):
            device.portal_removal_audited = True
            device.delete()
            removed += 1
    audit_record(action="mfa.removed", actor=actor, obj=user, changes={"devices": removed})
    return removed


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def provisioning(device: TOTPDevice) -> dict[str, str]:
    """What an authenticator app needs: the otpauth:// URL as an inline SVG QR code, and the secret as text."""
    secret = b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m")
    return {
        "qr_svg": qr.svg_inline(scale=4, border=2, title="QR code for your authenticator app"),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
