"""One lockout for every password door, on django-axes' database handler.

Counters are rows of ``axes.AccessAttempt`` (shared by all workers), keyed by
account *and* client address (``AXES_LOCKOUT_PARAMETERS``), so an attacker
can lock an account only from the addresses they send from. This module adds
what axes leaves to the project: when a lockout lifts, the message that says
so, lifting it (audited), and password re-checks inside a signed-in session
that count against the same limit.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from portal.audit import audit_record
from portal.client_ip import client_ip
from portal.models import UserProfile


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """``AXES_COOLOFF_TIME``: read at every attempt, so the setting has one source."""
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def failure_limit(request: HttpRequest | None = None, credentials: dict[str, Any] | None = None) -> int:
    """``AXES_FAILURE_LIMIT``, from ``LOGIN_FAILURE_LIMIT``."""
    return settings.LOGIN_FAILURE_LIMIT


def is_not_a_password_attempt(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """``AXES_WHITELIST_CALLABLE``: an attempt without a username (an OIDC
    callback) guesses no password, so it neither counts nor is refused."""
    return not (credentials or {}).get("username")


def lockout_lifts_at(username: str, ip_address: str | None) -> datetime | None:
    """When the lockout of ``username`` from ``ip_address`` ends, or None when it is not locked.

    axes sums the failures of the records (one per user agent) whose last
    failure is within the cool-off; the lockout ends when enough of them have
    aged out that the sum drops below the limit.
    """
    now = timezone.now()
    rows = list(
        AccessAttempt.objects.filter(
            username=username, ip_address=ip_address or None, attempt_time__gte=now - cool_off()
        )
        .order_by("attempt_time")
        .values_list("attempt_time", "failures_since_start")
    )
    total = sum(failures for _, failures in rows)
    limit = settings.LOGIN_FAILURE_LIMIT
    if total < limit:
        return None
    for attempt_time, failures in rows:
        total -= failures
        if total < limit:
            return attempt_time + cool_off()
    return None  # pragma: no cover - the loop always drops below the limit


def _zone_of(username: str) -> ZoneInfo:
    name = (
        UserProfile.objects.filter(user__username=username).values_list("timezone", flat=True).first()
        or settings.TIME_ZONE
    )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def describe_lift(until: datetime, username: str) -> dict[str, Any]:
    """The lift time rounded up to the minute, in the account's own time zone."""
    zone = _zone_of(username)
    rounded = until.replace(second=0, microsecond=0)
    if rounded < until:
        rounded += timedelta(minutes=1)
    local = rounded.astimezone(zone)
    same_day = local.date() == timezone.now().astimezone(zone).date()
    text = local.strftime("%H:%M") if same_day else local.strftime("%d %b %Y %H:%M")
    return {"until": rounded, "local_text": f"{text} ({zone.key})", "zone": zone.key}


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: a 429 that says when the lockout lifts (JSON on the API)."""
    if isinstance(original_response, dict) and credentials is None:
        credentials, original_response = original_response, None  # axes' two-argument form
    username = str(get_client_username(request, credentials) or "")[:150]
    until = lockout_lifts_at(username, client_ip(request)) or timezone.now() + cool_off()
    lift = describe_lift(until, username)
    retry_after = str(max(1, math.ceil((lift["until"] - timezone.now()).total_seconds())))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": (
                    "Too many failed sign-ins for this account from your address. "
                    f"Try again after {lift['until'].isoformat().replace('+00:00', 'Z')}."
                ),
                "locked_until": lift["until"].isoformat().replace("+00:00", "Z"),
            },
            status=429,
        )
    else:
        response = render(
            request,
            "portal/identity/locked_out.html",
            {"username": username, "lift": lift, "limit": settings.LOGIN_FAILURE_LIMIT},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response


@transaction.atomic
def lockout_lift(*, username: str, actor: Any, ip_address: str | None = None, via: str) -> int:
    """Forget the failures of ``username`` (from one address, or all), which lifts its lockouts."""
    attempts = AccessAttempt.objects.filter(username=username)
    if ip_address:
        attempts = attempts.filter(ip_address=ip_address)
    records = list(attempts.values_list("ip_address", flat=True))
    count, _ = attempts.delete()
    user = get_user_model().objects.filter(username=username).first()
    audit_record(
        action="auth.lockout_lifted",
        actor=actor,
        obj=user,
        object_type="" if user else "auth.user",
        object_repr="" if user else username,
        changes={"username": username, "addresses": sorted({ip or "" for ip in records}), "via": via},
    )
    return count


def confirm_password(request: HttpRequest, password: str) -> str | None:
    """Re-check the signed-in user's password (enrolment, removal, password change).

    Returns None when it is right, else the message to show. A wrong password
    counts against the same lockout as the sign-in doors, so a stolen session
    cannot be used to guess the password either.
    """
    user = request.user
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        lift = describe_lift(
            lockout_lifts_at(user.get_username(), client_ip(request)) or timezone.now() + cool_off(),
            user.get_username(),
        )
        return f"Too many wrong passwords: try again after {lift['local_text']}."
    if user.check_password(password):
        return None
    user_login_failed.send(
        sender=__name__, credentials={**credentials, "password": "********"}, request=request
    )
    return "That is not your current password."
