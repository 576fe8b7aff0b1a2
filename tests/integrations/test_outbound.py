"""Outbound webhooks: Standard Webhooks signing (checked by an independent verifier written
here from the specification), delivery after commit, retries against a real HTTP server on
127.0.0.1, attempt logs, SSRF refusals, and the events the portal emits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Category, Severity
from integrations import services, ssrf
from integrations.due import emit_due_events
from integrations.models import EmittedDueEvent, OutboundEvent, WebhookAttempt, WebhookDelivery
from integrations.outbound import backoff, deliver_webhook
from portal.models import AuditEvent
from tests.integrations.conftest import load

# --- an independent Standard Webhooks verifier (spec: standard-webhooks/spec/standard-webhooks.md) ----


def standard_webhooks_verify(
    secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300
) -> bool:
    """``webhook-signature`` holds space-separated ``v1,<base64 HMAC-SHA256(key, "id.ts.body")>``,
    the key being the base64-decoded part of ``whsec_...``; the timestamp must be fresh."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(int(timezone.now().timestamp()) - int(timestamp)) > tolerance:
        return False
    expected = base64.b64encode(
        hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    ).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (item.partition(",") for item in headers["webhook-signature"].split(" "))
    )


# --- a local receiver -----------------------------------------------------------------------------------


@dataclass
class Receiver:
    statuses: list[int]
    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def receiver(
    *statuses: int, extra_headers: dict[str, str] | None = None, tls: tuple[str, str] | None = None
) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 answering ``statuses`` in turn (then 200), recording every request."""
    state = Receiver(list(statuses))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            for name, value in (extra_headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks?source=portal"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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


def declare(actor, **extra: Any):
    return incident_services.incident_create(
        actor=actor,
        title=extra.pop("title", "Payments API returning 502"),
        severity=Severity.objects.get(name="SEV2"),
        category=Category.objects.get(slug="system-outage"),
        detected_at=timezone.now() - timedelta(minutes=30),
        **extra,
    )


def subscribe(admin_user, url: str, events: list[str], **extra: Any):
    return services.subscription_create(
        actor=admin_user, name=extra.pop("name", "SIEM"), target_url=url, events=events, **extra
    )


# --- signing and delivery ------------------------------------------------------------------------------


def test_deliveries_are_signed_per_standard_webhooks_and_verify_independently(
    immediate_tasks, loopback_allowed, admin_user, responder, django_capture_on_commit_callbacks
):
    with receiver() as target:
        _, secret = subscribe(admin_user, target.url, ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True):
            incident = declare(responder)
    assert len(target.requests) == 1
    headers, body = target.requests[0]
    assert standard_webhooks_verify(secret, headers, body)
    assert not standard_webhooks_verify(secret, headers, body.replace(b"502", b"503"))
    assert not standard_webhooks_verify(services.signing.generate_standard_secret(), headers, body)
    payload = json.loads(body)
    assert payload["type"] == "incident.created"
    assert payload["data"]["reference"] == incident.reference
    assert payload["data"]["severity"] == "SEV2"
    event = OutboundEvent.objects.get()
    assert headers["webhook-id"] == f"msg_{event.id.hex}"
    assert headers["content-type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)


def test_nothing_is_sent_before_the_transaction_commits(
    immediate_tasks, loopback_allowed, admin_user, responder
):
    with receiver() as target:
        subscribe(admin_user, target.url, ["incident.created"])
        declare(responder)  # the test's transaction never commits: on_commit callbacks never run
        assert target.requests == []
    assert WebhookDelivery.objects.get().state == "pending"


def test_a_rolled_back_change_sends_nothing(
    immediate_tasks, loopback_allowed, admin_user, responder, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with receiver() as target:
        subscribe(admin_user, target.url, ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    declare(responder)
                    raise RuntimeError("abort")
            except RuntimeError:
                pass
        assert callbacks == []
        assert target.requests == []
    assert not OutboundEvent.objects.exists()


def test_failures_are_retried_until_the_target_accepts_and_each_attempt_is_logged(
    immediate_tasks, loopback_allowed, admin_user, responder, django_capture_on_commit_callbacks
):
    with receiver(500, 503) as target:
        _, secret = subscribe(admin_user, target.url, ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
    assert len(target.requests) == 3
    assert len({headers["webhook-id"] for headers, _ in target.requests}) == 1
    assert all(standard_webhooks_verify(secret, headers, body) for headers, body in target.requests)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("succeeded", 3)
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code, a.target_ip) for a in attempts] == [
        (1, 500, "127.0.0.1"),
        (2, 503, "127.0.0.1"),
        (3, 200, "127.0.0.1"),
    ]
    assert all(a.duration_ms >= 0 for a in attempts)


def test_it_gives_up_after_the_maximum_number_of_attempts(
    immediate_tasks, loopback_allowed, settings, admin_user, responder, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with receiver(500, 500, 500, 500, 500) as target:
        subscribe(admin_user, target.url, ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
    assert len(target.requests) == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("gave_up", 3, 500)
    assert delivery.finished_at is not None


def test_redirects_are_not_followed(
    immediate_tasks, loopback_allowed, settings, admin_user, responder, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    with receiver(302, extra_headers={"Location": "http://169.254.169.254/latest/meta-data/"}) as target:
        subscribe(admin_user, target.url, ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
    assert len(target.requests) == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 302
    assert "not followed" in attempt.error
    assert WebhookDelivery.objects.get().state == "gave_up"


def test_a_410_gone_disables_the_subscription(
    immediate_tasks, loopback_allowed, admin_user, responder, django_capture_on_commit_callbacks
):
    with receiver(410) as target:
        subscription, _ = subscribe(admin_user, target.url, ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "410" in subscription.disabled_reason
    assert AuditEvent.objects.filter(action="webhook_subscription.disabled").exists()
    assert WebhookDelivery.objects.get().state == "gave_up"


def test_retries_go_through_the_database_queue_with_backoff(tx_db, loopback_allowed, admin_user, responder):
    """Real commits (a transactional test): the worker closes connections that are inside a transaction."""
    from django_tasks_db.models import DBTaskResult

    def work() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())

    with receiver(500) as target:
        subscribe(admin_user, target.url, ["incident.created"])
        declare(responder)
        assert target.requests == []  # queued on commit, not sent by the request
        before = timezone.now()
        work()
        assert len(target.requests) == 1
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, delivery.attempts) == ("pending", 1)
        retry = DBTaskResult.objects.get(status="READY")
        assert before + timedelta(seconds=29) <= retry.run_after <= timezone.now() + timedelta(seconds=34)
        work()  # not due yet: nothing happens
        assert len(target.requests) == 1
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # the clock moves on
        work()
        assert len(target.requests) == 2
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)


def test_backoff_doubles_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    for attempts, seconds in [(1, 30), (2, 60), (3, 120), (10, 15360), (20, 6 * 3600)]:
        delay = backoff(attempts).total_seconds()
        assert seconds <= delay <= seconds * 1.1


def test_a_delivery_already_sent_is_not_sent_again(
    immediate_tasks, loopback_allowed, admin_user, responder, django_capture_on_commit_callbacks
):
    with receiver() as target:
        subscribe(admin_user, target.url, ["incident.created"])
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
        delivery = WebhookDelivery.objects.get()
        assert deliver_webhook.call(str(delivery.pk)) == "skipped"
        assert len(target.requests) == 1


def test_rotating_the_secret_signs_with_both_for_a_while(
    immediate_tasks, loopback_allowed, admin_user, responder, django_capture_on_commit_callbacks
):
    with receiver() as target:
        subscription, old_secret = subscribe(admin_user, target.url, ["incident.created"])
        subscription, new_secret = services.subscription_rotate_secret(
            subscription=subscription, actor=admin_user
        )
        with django_capture_on_commit_callbacks(execute=True):
            declare(responder)
    headers, body = target.requests[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert standard_webhooks_verify(new_secret, headers, body)
    assert standard_webhooks_verify(old_secret, headers, body)


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


def test_deliveries_whose_task_was_lost_are_queued_again_by_the_cron_command(
    immediate_tasks, loopback_allowed, admin_user, responder
):
    with receiver() as target:
        subscribe(admin_user, target.url, ["incident.created"], name="One")
        subscribe(admin_user, target.url, ["incident.created"], name="Two")
        declare(responder)  # on_commit never runs in this test: both tasks are "lost"
        an_hour_ago = timezone.now() - timedelta(hours=1)
        WebhookDelivery.objects.update(created_at=an_hour_ago)
        WebhookDelivery.objects.filter(subscription__name="Two").update(
            state="sending", claimed_at=an_hour_ago
        )
        out = io.StringIO()
        call_command("emit_due_events", stdout=out)
        assert "2 stuck deliver(y/ies) re-queued" in out.getvalue()
        assert len(target.requests) == 2
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}


def test_the_subscription_delivery_list_query_count_does_not_grow_with_the_page_size(
    api_as, admin_user, responder
):
    subscription, _ = subscribe(admin_user, "http://93.184.216.34/", ["incident.created"])
    for number in range(50):
        declare(responder, title=f"Incident {number}")
    for delivery in WebhookDelivery.objects.all():
        WebhookAttempt.objects.create(delivery=delivery, number=1, status_code=500, error="HTTP 500")
    client = api_as(admin_user)
    url = f"/api/v1/webhook-subscriptions/{subscription.pk}/deliveries/"

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        assert response.json()["results"][0]["attempt_log"][0]["status_code"] == 500
        return len(captured.captured_queries)

    queries(5)
    assert queries(5) == queries(50) <= 9


# --- what is emitted -----------------------------------------------------------------------------------


def test_status_changes_are_emitted_with_the_vendor_time(
    immediate_tasks, loopback_allowed, admin_user, send, pagerduty, django_capture_on_commit_callbacks
):
    with receiver() as target:
        subscribe(admin_user, target.url, ["incident.status_changed"])
        with django_capture_on_commit_callbacks(execute=True):
            send(pagerduty, load("pagerduty_incident_triggered"))
        with django_capture_on_commit_callbacks(execute=True):
            send(pagerduty, load("pagerduty_incident_acknowledged"))
    assert len(target.requests) == 1
    payload = json.loads(target.requests[0][1])
    assert payload["type"] == "incident.status_changed"
    assert payload["data"]["previous_status"] == "reported"
    assert payload["data"]["status"] == "acknowledged"
    assert payload["data"]["changed_at"] == "2020-04-09T15:21:03.421Z"
    assert payload["timestamp"].startswith("2020-04-09T15:21:03.421")


def test_restricted_incidents_only_go_to_subscriptions_that_opted_in(admin_user, responder):
    plain, _ = subscribe(admin_user, "http://93.184.216.34/a", ["incident.created"], name="Plain")
    opted, _ = subscribe(
        admin_user, "http://93.184.216.34/b", ["incident.created"], name="Opted in", include_restricted=True
    )
    declare(responder, is_restricted=True)
    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [opted.pk]
    declare(responder)
    assert WebhookDelivery.objects.filter(subscription=plain).count() == 1


def test_only_subscribed_active_events_are_queued(admin_user, responder):
    subscribe(admin_user, "http://93.184.216.34/a", ["incident.status_changed"], name="Status")
    subscribe(admin_user, "http://93.184.216.34/b", ["incident.created"], name="Off", is_active=False)
    declare(responder)
    assert not OutboundEvent.objects.exists()


def test_a_submitted_regulator_report_is_emitted(admin_user, responder, compliance_officer):
    from compliance import services as compliance_services
    from compliance.models import LegalEntity, Obligation
    from tests.compliance.conftest import assess, make_breach
    from tests.factories import UserFactory

    subscribe(admin_user, "http://93.184.216.34/a", ["report.submitted"])
    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    report = compliance_services.report_create(obligation=obligation, actor=compliance_officer)
    fields = {key: report.fields.get(key) or f"Answer for {key}" for key in obligation.required_fields}
    compliance_services.report_update(
        report=report, actor=compliance_officer, fields=fields, expected_version=1
    )
    compliance_services.report_transition(report=report, action="submit_for_review", actor=compliance_officer)
    approver = UserFactory(username="compliance2", role="Compliance Officer")
    compliance_services.report_transition(report=report, action="approve", actor=approver)
    assert not OutboundEvent.objects.exists()
    compliance_services.report_transition(
        report=report,
        action="submit",
        actor=approver,
        submission=compliance_services.SubmissionInput(reference="DPA-1"),
    )
    event = OutboundEvent.objects.get()
    assert event.event_type == "report.submitted"
    assert event.payload["data"]["obligation"] == "GDPR/supervisory-authority"
    assert event.payload["data"]["incident"]["reference"] == breach.reference
    assert event.payload["data"]["submission_reference"] == "DPA-1"


def test_a_published_postmortem_is_emitted(admin_user, author, responder, incident):
    from postmortems import services as postmortem_services
    from tests.factories import UserFactory
    from tests.postmortems.factories import make_publishable, resolve, start_postmortem

    subscribe(admin_user, "http://93.184.216.34/a", ["postmortem.published"])
    reviewer = UserFactory(username="reviewer", role="Post-mortem Author")
    postmortem = start_postmortem(author, [resolve(incident, responder)], reviewers=[reviewer])
    make_publishable(postmortem, author)
    postmortem_services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    assert not OutboundEvent.objects.exists()
    postmortem_services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    event = OutboundEvent.objects.get()
    assert event.payload["type"] == "postmortem.published"
    assert event.payload["data"]["incidents"] == [{"id": incident.pk, "reference": incident.reference}]


def test_due_events_are_emitted_once_each(admin_user, responder, compliance_officer, author, incident):
    from compliance.models import LegalEntity, Obligation
    from postmortems.models import ActionItem
    from tests.compliance.conftest import assess, make_breach
    from tests.postmortems.factories import resolve, start_postmortem

    subscribe(
        admin_user,
        "http://93.184.216.34/a",
        ["obligation.due_soon", "obligation.overdue", "action_item.overdue"],
    )
    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    Obligation.objects.filter(pk=obligation.pk).update(due_at=timezone.now() + timedelta(hours=3))
    postmortem = start_postmortem(author, [resolve(incident, responder)])
    ActionItem.objects.create(
        postmortem=postmortem,
        title="Add a statement timeout",
        due_date=timezone.localdate() - timedelta(days=2),
        created_by=author,
    )
    first = emit_due_events()
    assert first.emitted >= 2
    types = sorted(OutboundEvent.objects.values_list("event_type", flat=True))
    assert "obligation.due_soon" in types
    assert "action_item.overdue" in types
    assert emit_due_events().emitted == 0
    later = emit_due_events(now=timezone.now() + timedelta(hours=4))
    assert later.emitted >= 1
    assert (
        OutboundEvent.objects.filter(event_type="obligation.overdue", payload__data__id=obligation.pk).count()
        == 1
    )
    assert (
        EmittedDueEvent.objects.filter(event_type="obligation.overdue", object_id=str(obligation.pk)).count()
        == 1
    )
    out = io.StringIO()
    call_command("emit_due_events", stdout=out)
    assert "0 due event(s) emitted" in out.getvalue()
