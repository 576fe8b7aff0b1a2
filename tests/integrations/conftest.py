"""Fixtures of the integrations tests: one integration per vendor, and signed senders.

The JSON fixtures under ``fixtures/`` follow the vendors' published payloads;
each names its source document in a ``$comment`` key, which is removed before
the body is signed and sent.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from incidents.models import Category, Severity
from integrations import services, signing

FIXTURES = Path(__file__).parent / "fixtures"
PAGERDUTY_SECRET = "pd-whsec-0123456789abcdef0123456789abcdef0123456789abcdef"
SHARED_SECRET = "sq-shared-secret-0123456789abcdef"


def load(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data.pop("$comment", None)
    return data


def pagerduty_signature(body: bytes, *secrets: str) -> str:
    return ",".join("v1=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets)


@pytest.fixture
def immediate_tasks(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _make(admin_user, kind: str, name: str, secret: str | None = None, **extra: Any):
    integration, issued = services.integration_create(
        actor=admin_user,
        kind=kind,
        name=name,
        default_category=Category.objects.get(slug="system-outage"),
        default_severity=Severity.objects.get(name="SEV3"),
        severity_mapping={"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "low": "SEV4", "1": "SEV1", "2": "SEV2"},
        secret=secret,
        **extra,
    )
    integration.issued_secret = issued
    return integration


@pytest.fixture
def pagerduty(admin_user):
    return _make(admin_user, "pagerduty", "PagerDuty production", PAGERDUTY_SECRET)


@pytest.fixture
def squadcast(admin_user):
    return _make(admin_user, "squadcast", "Squadcast", SHARED_SECRET)


@pytest.fixture
def opsgenie(admin_user):
    return _make(admin_user, "opsgenie", "Opsgenie", SHARED_SECRET)


@pytest.fixture
def servicenow(admin_user):
    return _make(admin_user, "servicenow", "ServiceNow", SHARED_SECRET)


@pytest.fixture
def generic(admin_user):
    return _make(admin_user, "generic", "Monitoring")


def webhook_url(integration) -> str:
    return f"/api/v1/integrations/{integration.pk}/webhook/"


@pytest.fixture
def send(client) -> Callable[..., Any]:
    """POST a payload to an integration, signed the way its vendor signs."""

    def post(
        integration,
        payload: dict[str, Any] | bytes,
        *,
        headers: dict[str, str] | None = None,
        secret: str | None = None,
        msg_id: str | None = None,
    ) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        extra: dict[str, str] = {}
        if headers is None:
            secret = secret or integration.issued_secret
            if integration.kind == "pagerduty":
                extra["HTTP_X_PAGERDUTY_SIGNATURE"] = pagerduty_signature(body, secret)
            elif integration.kind == "generic":
                standard = signing.standard_headers(
                    [secret], msg_id or f"msg_{hashlib.sha1(body).hexdigest()}", int(time.time()), body
                )
                extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in standard.items()})
            else:
                extra["HTTP_X_WEBHOOK_SECRET"] = secret
        else:
            extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        return client.post(webhook_url(integration), data=body, content_type="application/json", **extra)

    return post


def with_event(
    payload: dict[str, Any], *, event_id: str | None = None, occurred_at: str | None = None, **data: Any
) -> dict[str, Any]:
    """A PagerDuty payload with another event id / time / incident fields."""
    changed = copy.deepcopy(payload)
    if event_id:
        changed["event"]["id"] = event_id
    if occurred_at:
        changed["event"]["occurred_at"] = occurred_at
    changed["event"]["data"].update(data)
    return changed


@pytest.fixture
def loopback_allowed(settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for made-up host names (DNS leaves the machine); everything else resolves as usual."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [
                (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers
