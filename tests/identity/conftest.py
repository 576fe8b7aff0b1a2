from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.identity.oidc import forget_discovery
from tests.identity.provider import CLIENT_ID, CLIENT_SECRET, LocalProvider

PASSWORD = "correct horse battery staple"
ROLE_MAP = {"portal-admins": ["Administrator"], "dpo": ["Compliance Officer"], "sre": ["Incident Responder"]}


@pytest.fixture(scope="session")
def provider_server() -> Iterator[LocalProvider]:
    provider = LocalProvider().start()
    yield provider
    provider.stop()


def configure_sso(settings, provider: LocalProvider) -> None:
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_ROLE_CLAIM = "groups"


@pytest.fixture
def idp(provider_server, settings) -> Iterator[LocalProvider]:
    """The local provider, configured as the portal's identity provider, fresh state for each test."""
    provider_server.reset()
    forget_discovery()
    configure_sso(settings, provider_server)
    yield provider_server
    forget_discovery()


@pytest.fixture
def mfa_on(settings) -> None:
    settings.MFA_REQUIRED_GROUPS = ["Administrator", "Compliance Officer"]


def start_sso(client, next_url: str | None = None) -> str:
    """GET /oidc/authenticate/ and follow the provider's redirect; the callback URL it sends us back to."""
    url = "/oidc/authenticate/" + (f"?next={next_url}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302, response.content
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.netloc == "testserver", back
    return f"{back.path}?{back.query}"


def sso_sign_in(client, next_url: str | None = None):
    """The whole round trip: portal -> provider -> portal callback; the callback's response."""
    return client.get(start_sso(client, next_url))


def totp_now(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)
