"""Outbound webhooks: SSRF refusals when saving and when sending, and the sender connecting to the
address it checked (plain HTTP and HTTPS with a real certificate)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from integrations import ssrf
from integrations.models import WebhookAttempt, WebhookDelivery
from tests.integrations.outbound_helpers import (
    declare,
    receiver,
    subscribe,
)

# --- SSRF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://192.168.1.20/hook",
        "http://172.16.5.4/hook",
        "http://127.0.0.1:8000/hook",
        "http://localhost:8000/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://100.64.0.1/hook",
        "ftp://example.com/hook",
        "http://user:pass@example.com/hook",
        "http:///nohost",
    ],
)
def test_internal_and_odd_targets_are_refused(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ssrf.TargetRefused):
        ssrf.check_target(url)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://100.100.100.200/"]
)
def test_metadata_addresses_are_refused_even_when_private_targets_are_allowed(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with pytest.raises(ssrf.TargetRefused, match="metadata"):
        ssrf.check_target(url)


def test_a_public_name_that_resolves_to_loopback_is_refused(fake_dns, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    fake_dns["hooks.attacker.example"] = ["127.0.0.1"]
    with pytest.raises(ssrf.TargetRefused, match="loopback"):
        ssrf.check_target("https://hooks.attacker.example/x")
    fake_dns["mixed.example"] = ["93.184.216.34", "10.1.2.3"]
    with pytest.raises(ssrf.TargetRefused, match="private"):
        ssrf.check_target("https://mixed.example/x")
    fake_dns["siem.example"] = ["93.184.216.34"]
    assert ssrf.check_target("https://siem.example/x").address == "93.184.216.34"


def test_the_api_refuses_an_internal_target_when_saving(api_as, admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = api_as(admin_user).post(
        "/api/v1/webhook-subscriptions/",
        {"name": "Internal", "target_url": "http://10.0.0.1/hook", "events": ["incident.created"]},
        format="json",
    )
    assert response.status_code == 400
    assert "private" in json.dumps(response.json()["target_url"])


def test_the_target_is_checked_again_when_sending(
    immediate_tasks, fake_dns, settings, admin_user, responder, django_capture_on_commit_callbacks
):
    """DNS rebinding: public when saved, loopback when sent; refused without a connection."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with receiver() as target:
        port = target.url.split(":")[2].split("/")[0]
        fake_dns["rebind.example"] = ["93.184.216.34"]
        subscribe(admin_user, f"http://rebind.example:{port}/hooks", ["incident.created"])
        fake_dns["rebind.example"] = ["127.0.0.1"]
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
        assert target.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "Refused" in attempt.error
    assert "loopback" in attempt.error


def test_the_sender_connects_to_the_address_it_checked_and_names_the_host(
    immediate_tasks, fake_dns, loopback_allowed, admin_user, responder, django_capture_on_commit_callbacks
):
    with receiver() as target:
        port = target.url.split(":")[2].split("/")[0]
        fake_dns["siem.internal.example"] = ["127.0.0.1"]
        subscribe(admin_user, f"http://siem.internal.example:{port}/in", ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
    headers, _ = target.requests[0]
    assert headers["host"] == f"siem.internal.example:{port}"
    assert WebhookAttempt.objects.get().target_ip == "127.0.0.1"


@pytest.fixture
def certificate(tmp_path) -> tuple[str, str]:
    """A self-signed certificate for siem.internal.example (openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=siem.internal.example",
            "-addext",
            "subjectAltName=DNS:siem.internal.example",
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def test_https_goes_to_the_checked_address_with_the_hosts_name_and_certificate_checks(
    immediate_tasks,
    fake_dns,
    loopback_allowed,
    settings,
    monkeypatch,
    certificate,
    admin_user,
    responder,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])  # trust the test certificate
    fake_dns["siem.internal.example"] = ["127.0.0.1"]
    fake_dns["other.internal.example"] = ["127.0.0.1"]
    with receiver(tls=certificate) as target:
        port = target.url.split(":")[2].split("/")[0]
        subscribe(admin_user, f"https://siem.internal.example:{port}/in", ["incident.created"], name="Good")
        subscribe(
            admin_user, f"https://other.internal.example:{port}/in", ["incident.created"], name="Wrong name"
        )
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
    assert len(target.requests) == 1
    assert target.requests[0][0]["host"] == f"siem.internal.example:{port}"
    outcome = dict(WebhookDelivery.objects.values_list("subscription__name", "state"))
    assert outcome == {"Good": "succeeded", "Wrong name": "gave_up"}
    refused = WebhookAttempt.objects.get(delivery__subscription__name="Wrong name")
    assert "certificate" in refused.error.lower() or "hostname" in refused.error.lower()
