"""client_ip(): forwarded headers count only behind trusted proxies, for throttles and the audit trail too."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from portal.client_ip import client_ip
from portal.models import AuditEvent


def _request(remote: str = "192.0.2.10", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "192.0.2.10"),
        (0, None, "192.0.2.10"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "198.51.100.1", "192.0.2.10"),  # fewer hops than trusted proxies: not vouched for
        (1, "not-an-address", "192.0.2.10"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
        (1, "", "192.0.2.10"),
    ],
)
def test_the_client_address_behind_trusted_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_forged_headers_do_not_reset_the_token_throttle(api, db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    codes = [
        api.post(
            "/api/v1/auth/token/",
            {"username": f"nobody-{n}", "password": "x"},  # a new account each time: no lockout involved
            format="json",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(25)
    ]
    assert codes[:20] == [400] * 20
    assert set(codes[20:]) == {429}


def test_the_audit_trail_records_the_trusted_address(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        "/login/",
        {"username": "someone", "password": "x"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9",
    )
    assert AuditEvent.objects.get(action="auth.login_failed").ip == "198.51.100.9"
