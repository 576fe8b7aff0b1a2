"""Stakeholder message templates (with their history) and the messages sent from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.choices import Audience, Channel, DeliveryStatus
from incidents.validators import language_validator

MAX_SUBJECT_TEMPLATE_CHARS = 1000
MAX_BODY_TEMPLATE_CHARS = 20_000


class StakeholderTemplate(models.Model):
    """A reviewed message for one audience and channel, written by an
    administrator and rendered in the sandbox. Every edit keeps the previous
    text as a :class:`StakeholderTemplateVersion`."""

    name = models.CharField(max_length=120)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=16, default="en", validators=[language_validator])
    subject_template = models.TextField(blank=True, max_length=MAX_SUBJECT_TEMPLATE_CHARS)
    body_template = models.TextField(max_length=MAX_BODY_TEMPLATE_CHARS)
    categories = models.ManyToManyField(
        "incidents.Category", blank=True, related_name="+", help_text="Suits these categories (none: all)."
    )
    severities = models.ManyToManyField(
        "incidents.Severity", blank=True, related_name="+", help_text="Suits these severities (none: all)."
    )
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["audience", "name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="stakeholder_template_name_language")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class StakeholderTemplateVersion(models.Model):
    """A template as it was before an edit: what was reviewed, kept for good."""

    template = models.ForeignKey(StakeholderTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=16)
    subject_template = models.TextField(blank=True)
    body_template = models.TextField()
    categories = models.JSONField(default=list, blank=True)
    severities = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(help_text="When this version was current until.")

    class Meta:
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="stakeholder_template_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Communication(models.Model):
    """What was told to whom, when and by whom: a snapshot, never re-rendered."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="communications"
    )
    template = models.ForeignKey(
        StakeholderTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="communications"
    )
    template_version = models.PositiveIntegerField(null=True, blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=16, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    is_html = models.BooleanField(default=False)
    next_update_at = models.DateTimeField(null=True, blank=True)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivery_error = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["incident", "-sent_at", "-id"], name="communication_incident_sent"),
            models.Index(fields=["incident", "audience"], name="communication_incident_aud"),
        ]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} by {self.get_channel_display()} on {self.incident_id}"
