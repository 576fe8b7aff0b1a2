"""The second-factor rule of ``POST /api/v1/auth/token/``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from rest_framework import status

from portal.audit import audit_record
from portal.identity import mfa


@dataclass(frozen=True)
class Refusal:
    detail: str
    status: int = status.HTTP_400_BAD_REQUEST
    headers: dict[str, str] = field(default_factory=dict)


def second_factor_refusal(user: Any, otp: str) -> Refusal | None:
    """Why a password-authenticated user may not have a token, or None.

    Users who must use a second factor get a token only with a current code
    (``otp``); a wrong, reused or throttled code is refused and audited.
    """
    if not mfa.second_factor_required(user):
        return None
    if not mfa.has_confirmed_device(user):
        audit_record(
            action="mfa.failed", actor=user, obj=user, changes={"step": "api token", "reason": "no device"}
        )
        return Refusal(
            "This account must use a second factor, and has none yet: set up an authenticator on "
            "your profile page, then pass a code from it as otp."
        )
    if not otp.strip():
        audit_record(
            action="mfa.failed", actor=user, obj=user, changes={"step": "api token", "reason": "no code"}
        )
        return Refusal(
            'This account needs a second factor: pass a current code from your authenticator as "otp".'
        )
    result = mfa.check_code(user, otp)
    if result.accepted:
        kind = "recovery code" if result.device.__class__.__name__ == "StaticDevice" else "totp"
        audit_record(
            action="mfa.verified", actor=user, obj=user, changes={"step": "api token", "device": kind}
        )
        return None
    if result.throttled_until is not None:
        audit_record(
            action="mfa.failed", actor=user, obj=user, changes={"step": "api token", "reason": "throttled"}
        )
        wait = max(1, math.ceil((result.throttled_until - timezone.now()).total_seconds()))
        return Refusal(
            f"Too many wrong codes: try again in {wait} second(s).",
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )
    audit_record(
        action="mfa.failed", actor=user, obj=user, changes={"step": "api token", "reason": "wrong code"}
    )
    return Refusal("The one-time code is not valid, or it was already used.")
