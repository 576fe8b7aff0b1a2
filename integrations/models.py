"""Integrations: incidents that come in from on-call tools, events that go out to subscribers.

Secrets. HMAC verification and Standard Webhooks signing need the secret
itself, so ``Integration.secret`` and ``WebhookSubscription.secret`` are kept
in clear in the database (the project has no encryption key management or
crypto library to lean on). They are ``editable=False``, never part of an API
serializer or an admin form, shown once when created or rotated, and written
to the audit trail only as a four-character hint. Protecting them is the
database's access control, as for the session table.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from integrations.choices import (
    PROCESSED_OUTCOMES,
    DeliveryState,
    InboundOutcome,
    IntegrationKind,
    WebhookEvent,
)


class Integration(models.Model):
    """An on-call tool (PagerDuty, Squadcast, ServiceNow, Opsgenie or a generic
    sender) whose webhooks create and move incidents here.

    Everything it does is done by ``actor``, its own service user (no usable
    password, inactive), so the timeline and the audit trail name the tool.
    """

    kind = models.CharField(max_length=20, choices=IntegrationKind.choices)
    name = models.CharField(max_length=100, unique=True)
    secret = models.CharField(max_length=200, editable=False)
    previous_secret = models.CharField(max_length=200, blank=True, editable=False)
    previous_secret_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    secret_hint = models.CharField(max_length=8, editable=False, help_text="Last characters of the secret.")
    secret_rotated_at = models.DateTimeField(default=timezone.now, editable=False)
    default_category = models.ForeignKey("incidents.Category", on_delete=models.PROTECT, related_name="+")
    default_severity = models.ForeignKey(
        "incidents.Severity",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Used when the vendor's priority is not in the severity mapping.",
    )
    severity_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text='Vendor priority or urgency -> severity name, e.g. {"P1": "SEV1", "high": "SEV2"}.',
    )
    default_legal_entity = models.ForeignKey(
        "compliance.LegalEntity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Suggested on the timeline for the compliance assessment (not assessed automatically).",
    )
    restrict_incidents = models.BooleanField(
        default=False, help_text="Incidents created by this integration are restricted."
    )
    is_active = models.BooleanField(default=True)
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ExternalIncident(models.Model):
    """The link between a vendor's incident and ours, with what we last applied.

    ``status_at`` is the vendor time of the newest status-bearing event applied:
    an older one arriving later is stale and changes nothing (see ``inbound``).
    """

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="external_incidents")
    external_id = models.CharField(max_length=200)
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="external_links"
    )
    number = models.CharField(max_length=100, blank=True, help_text="The vendor's human-readable number.")
    url = models.URLField(max_length=500, blank=True)
    vendor_status = models.CharField(max_length=20, blank=True)
    vendor_priority = models.CharField(max_length=200, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    priority_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="one_link_per_external_incident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration.name}:{self.external_id} -> {self.incident_id}"


class InboundDelivery(models.Model):
    """One webhook request as received, kept whatever became of it.

    A verified event id is processed once: the partial unique constraint lets
    only one applied-or-ignored delivery exist per integration and event id,
    so a redelivery (or a concurrent duplicate) is recorded as a duplicate.
    Unverified requests never claim an event id.
    """

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="deliveries")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    event_id = models.CharField(max_length=200, blank=True)
    event_type = models.CharField(max_length=100, blank=True)
    verified = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, choices=InboundOutcome.choices)
    http_status = models.PositiveSmallIntegerField()
    detail = models.TextField(blank=True, max_length=2000)
    body = models.TextField(blank=True)
    body_size = models.PositiveIntegerField(default=0)
    body_truncated = models.BooleanField(default=False)
    body_sha256 = models.CharField(max_length=64, blank=True)
    external_incident = models.ForeignKey(
        ExternalIncident, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "inbound deliveries"
        indexes = [models.Index(fields=["integration", "-received_at"], name="inbound_integration_received")]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "event_id"],
                condition=Q(outcome__in=sorted(PROCESSED_OUTCOMES)),
                name="inbound_event_processed_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}:{self.event_id or '-'} {self.outcome}"


class ImportedIncident(models.Model):
    """A historical incident brought in by ``manage.py import_incidents``.

    The portal hands out its own ``INC-<year>-<n>`` references, so the legacy
    reference is kept here: it is the key that makes a re-run create nothing new.
    """

    source_reference = models.CharField(max_length=100, unique=True)
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="import_record"
    )
    source_file = models.CharField(max_length=255, blank=True)
    source_row = models.PositiveIntegerField()
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_reference} -> {self.incident_id}"


class WebhookSubscription(models.Model):
    """Another system that wants to hear what happens here (Standard Webhooks)."""

    name = models.CharField(max_length=100, unique=True)
    target_url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200, editable=False)
    previous_secret = models.CharField(max_length=200, blank=True, editable=False)
    previous_secret_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    secret_hint = models.CharField(max_length=8, editable=False)
    secret_rotated_at = models.DateTimeField(default=timezone.now, editable=False)
    events = models.JSONField(default=list, help_text='Event types, e.g. ["incident.created"].')
    include_restricted = models.BooleanField(
        default=False, help_text="Also send events about restricted incidents (titles leave the portal)."
    )
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in (self.events or [])


class OutboundEvent(models.Model):
    """Something that happened, written in the transaction that made it happen
    (a transactional outbox): if the change rolls back, so does the event."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    restricted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"

    @property
    def message_id(self) -> str:
        """The Standard Webhooks ``webhook-id``: one per event, the same on every retry."""
        return f"msg_{self.id.hex}"


class WebhookDelivery(models.Model):
    """One event on its way to one subscription, retried with backoff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboundEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the current attempt started.")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhookdelivery_state_next")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="one_delivery_per_event_and_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event.event_type} -> {self.subscription.name}: {self.state}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery, as it went."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField(default=timezone.now)
    target_ip = models.GenericIPAddressField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"


class EmittedDueEvent(models.Model):
    """A due-date event that went out; the unique key makes each happen once per due time."""

    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    object_id = models.CharField(max_length=64)
    due_key = models.CharField(max_length=40, help_text="The due time or date the event was about.")
    emitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_type", "object_id", "due_key"], name="one_due_event_per_object_and_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_id} ({self.due_key})"
