"""The client's address, as far as the deployment's own proxies vouch for it.

One function decides it for everything that keys on an address (the audit
trail, the sign-in lockout, API throttles), so that a forged
``X-Forwarded-For`` can neither reset a counter nor put a false address in the
trail. ``TRUSTED_PROXY_COUNT`` says how many reverse proxies in front of the
portal append to ``X-Forwarded-For``: with 0 the header is ignored; with N the
N-th address from the right is the one the outermost trusted proxy saw, and
everything left of it is whatever the client chose to send.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import ScopedRateThrottle


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client behind ``TRUSTED_PROXY_COUNT`` trusted proxies.

    Falls back to ``REMOTE_ADDR`` when the header is missing, shorter than the
    number of trusted proxies, or holds something that is not an IP address
    at the trusted position.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "") or ""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted <= 0:
        return remote_addr
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
    if len(hops) < trusted:
        return remote_addr
    return _valid_ip(hops[-trusted]) or remote_addr


class ClientIpThrottleMixin:
    """Makes a DRF throttle count per ``client_ip`` (DRF's own ``get_ident``
    joins the whole forwarded header when NUM_PROXIES is unset, so any client
    could start a fresh bucket by sending a new header)."""

    def get_ident(self, request: Any) -> str:
        return client_ip(getattr(request, "_request", request))


class ClientIpScopedRateThrottle(ClientIpThrottleMixin, ScopedRateThrottle):
    """``ScopedRateThrottle`` keyed on the trusted client address."""
