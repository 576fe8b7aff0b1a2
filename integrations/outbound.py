"""Telling other systems what happens here: Standard Webhooks, after commit, with retries.

Emission. ``emit`` writes an ``OutboundEvent`` and one ``WebhookDelivery`` per
interested subscription inside the caller's transaction (a transactional
outbox: a rolled-back change sends nothing) and one ``portal.outbox`` message
per delivery, which runs the first attempt after commit: the request that
caused it never waits for a receiver, and a queue that cannot take the task
never fails the request (``manage.py process_outbox`` runs it later). ``integrations.subscriptions`` calls it for the other apps'
domain events (incident created and status changed, report submitted,
post-mortem published); the due-date events come from ``manage.py
emit_due_events``.

Delivery. ``deliver_webhook`` (a django-tasks task) claims the delivery,
checks the target again (fresh DNS lookup, see ``ssrf``), POSTs the signed
body to the checked address with a short timeout and without following
redirects, logs a ``WebhookAttempt``, and on failure re-enqueues itself with
``run_after`` = now + exponential backoff (with jitter) until
``WEBHOOK_MAX_ATTEMPTS``. A backend that cannot defer (the immediate
backend of the tests) runs the retry at once. A ``410 Gone`` disables the
subscription, as Standard Webhooks recommends.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from integrations import signing, ssrf
from integrations.choices import DeliveryState
from integrations.models import OutboundEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from integrations.services import secrets_in_force, subscription_disable
from portal.outbox import outbox_enqueue, outbox_handler

logger = logging.getLogger(__name__)

USER_AGENT = "incident-portal-webhooks/1"
MAX_BACKOFF = timedelta(hours=6)
#: A delivery "sending" for longer than this was orphaned by a dead worker.
STUCK_AFTER = timedelta(minutes=15)


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8))


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))


def retry_base_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 30))


def backoff(attempts_made: int) -> timedelta:
    """Base x 2^(n-1), capped at six hours, plus up to 10 % jitter."""
    delay = min(retry_base_seconds() * 2 ** max(attempts_made - 1, 0), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=delay * (1 + random.random() / 10))  # noqa: S311  (jitter, not crypto)


# --- emission ------------------------------------------------------------------------------------------


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def emit(
    event_type: str, data: Mapping[str, Any], *, restricted: bool = False, at: datetime | None = None
) -> int:
    """Queue ``event_type`` for every active subscription that wants it; returns how many."""
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        if subscription.wants(event_type) and (subscription.include_restricted or not restricted)
    ]
    if not subscriptions:
        return 0
    now = timezone.now()
    payload = {"type": event_type, "timestamp": at or now, "data": dict(data)}
    event = OutboundEvent.objects.create(
        event_type=event_type,
        payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
        restricted=restricted,
        created_at=now,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=subscription, event=event) for subscription in subscriptions]
    )
    for delivery in deliveries:
        outbox_enqueue(OUTBOX_KIND, {"delivery": str(delivery.pk)})
    return len(deliveries)


# --- delivery ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str
    excerpt: str
    address: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an already-checked address, with SNI and certificate checks for the host name."""

    def __init__(self, address: str, port: int, *, hostname: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._tls_hostname = hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._tls_hostname)  # type: ignore[attr-defined]


def post_signed(url: str, body: bytes, headers: Mapping[str, str]) -> AttemptResult:
    """One POST to ``url``; never follows a redirect, never raises."""
    started = time.monotonic()

    def result(
        status: int | None, error: str = "", excerpt: str = "", address: str | None = None
    ) -> AttemptResult:
        return AttemptResult(
            status, error[:500], excerpt[:500], address, int((time.monotonic() - started) * 1000)
        )

    try:
        target = ssrf.check_target(url)
    except ssrf.TargetRefused as exc:
        return result(None, f"Refused: {exc}")
    path = target.url.path or "/"
    if target.url.query:
        path += "?" + target.url.query
    host_header = target.hostname if ":" not in target.hostname else f"[{target.hostname}]"
    if target.url.port:
        host_header += f":{target.url.port}"
    connection: http.client.HTTPConnection
    if target.url.scheme == "https":
        connection = _PinnedHTTPSConnection(
            target.address, target.port, hostname=target.hostname, timeout=timeout_seconds()
        )
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=timeout_seconds())
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": host_header,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **headers,
            },
        )
        response = connection.getresponse()
        excerpt = response.read(500).decode("utf-8", errors="replace")
        error = (
            f"Redirect to {response.getheader('Location', '?')} not followed."
            if 300 <= response.status < 400
            else ""
        )
        return result(response.status, error, excerpt, target.address)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return result(None, f"{type(exc).__name__}: {exc}", address=target.address)
    finally:
        connection.close()


def _claim(delivery_id: str) -> WebhookDelivery | None:
    """Mark the delivery as being sent, unless someone else has it or it is finished."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("subscription", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != DeliveryState.PENDING:
            return None
        if not delivery.subscription.is_active:
            delivery.state = DeliveryState.CANCELLED
            delivery.finished_at = timezone.now()
            delivery.last_error = "The subscription is inactive."
            delivery.save(update_fields=["state", "finished_at", "last_error"])
            return None
        delivery.state = DeliveryState.SENDING
        delivery.attempts += 1
        delivery.next_attempt_at = None
        delivery.claimed_at = timezone.now()
        delivery.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_at"])
        return delivery


def _enqueue(delivery_id: str, run_after: datetime | None) -> None:
    pending = deliver_webhook
    if run_after is not None and pending.get_backend().supports_defer:
        pending = pending.using(run_after=run_after)
    pending.enqueue(delivery_id)


OUTBOX_KIND = "integrations.webhook_delivery"


@outbox_handler(OUTBOX_KIND)
def _first_attempt(payload: dict[str, Any]) -> None:
    """The outbox hands the delivery to the queue; a retry after a lost hand-off is harmless
    (a delivery that is no longer pending is skipped)."""
    deliver_webhook.enqueue(payload["delivery"])


@task()
def deliver_webhook(delivery_id: str) -> str:
    """Make one attempt at a delivery; schedule the next one if it failed."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    subscription, event = delivery.subscription, delivery.event
    body = json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    now = timezone.now()
    headers = signing.standard_headers(
        secrets_in_force(subscription, now=now), event.message_id, int(now.timestamp()), body
    )
    outcome = post_signed(subscription.target_url, body, headers)
    retry_at: datetime | None = None
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            attempted_at=now,
            target_ip=outcome.address,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
        )
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error or (
            "" if outcome.succeeded else f"HTTP {outcome.status_code}: {outcome.excerpt[:200]}"
        )
        if outcome.succeeded:
            delivery.state = DeliveryState.SUCCEEDED
            delivery.finished_at = timezone.now()
        elif outcome.status_code == 410:
            delivery.state = DeliveryState.GAVE_UP
            delivery.finished_at = timezone.now()
            subscription_disable(subscription=subscription, reason="The target answered 410 Gone.")
        elif delivery.attempts >= max_attempts():
            delivery.state = DeliveryState.GAVE_UP
            delivery.finished_at = timezone.now()
        else:
            retry_at = timezone.now() + backoff(delivery.attempts)
            delivery.state = DeliveryState.PENDING
            delivery.next_attempt_at = retry_at
        delivery.save(
            update_fields=["state", "finished_at", "next_attempt_at", "last_status_code", "last_error"]
        )
    if retry_at is not None:
        _enqueue(str(delivery.pk), retry_at)
    return delivery.state


def requeue_stuck(*, now: datetime | None = None) -> int:
    """Re-enqueue deliveries whose task was lost (worker died mid-send, or the queue was emptied)."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        state=DeliveryState.PENDING
    )
    stale = WebhookDelivery.objects.filter(state=DeliveryState.PENDING).filter(
        Q(next_attempt_at__lt=now - STUCK_AFTER)
        | Q(next_attempt_at__isnull=True, created_at__lt=now - STUCK_AFTER)
    )
    ids = [str(pk) for pk in stale.values_list("pk", flat=True)[:1000]]
    for delivery_id in ids:
        _enqueue(delivery_id, None)
    return len(ids)
