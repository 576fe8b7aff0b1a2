"""Outbound webhooks: Standard Webhooks signing checked by an independent verifier, delivery after
commit, retries against a real HTTP server on 127.0.0.1, attempt logs, and the re-queueing cron."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations import services
from integrations.models import OutboundEvent, WebhookAttempt, WebhookDelivery
from integrations.outbound import backoff, deliver_webhook
from portal.models import AuditEvent
from tests.integrations.outbound_helpers import (
    declare,
    receiver,
    standard_webhooks_verify,
    subscribe,
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
