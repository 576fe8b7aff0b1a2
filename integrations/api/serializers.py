from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.models import LegalEntity
from incidents.models import Category, Severity
from integrations.choices import DeliveryState, InboundOutcome, IntegrationKind, WebhookEvent
from integrations.models import (
    InboundDelivery,
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from portal.api.fields import enum_field


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class SeverityMappingField(serializers.JSONField):
    """``{"P1": "SEV1", "high": "SEV2"}``: vendor priority or urgency -> severity name."""


# --- integrations --------------------------------------------------------------------------------------


class IntegrationSerializer(serializers.ModelSerializer):
    kind = enum_field(IntegrationKind, "IntegrationKindEnum", read_only=True)
    severity_mapping = SeverityMappingField(read_only=True)
    service_user = serializers.CharField(source="actor.username", read_only=True)
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "kind",
            "name",
            "webhook_url",
            "secret_hint",
            "secret_rotated_at",
            "previous_secret_valid_until",
            "default_category",
            "default_severity",
            "severity_mapping",
            "default_legal_entity",
            "restrict_incidents",
            "is_active",
            "service_user",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_webhook_url(self, integration: Integration) -> str:
        path = reverse("integrations-api:integration-webhook", kwargs={"pk": integration.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class IssuedIntegrationSerializer(IntegrationSerializer):
    secret = serializers.CharField(read_only=True, help_text="The secret. It is shown only this once.")

    class Meta(IntegrationSerializer.Meta):
        fields = [*IntegrationSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class IntegrationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    default_category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    default_severity = serializers.PrimaryKeyRelatedField(queryset=Severity.objects.all())
    severity_mapping = SeverityMappingField(required=False)
    default_legal_entity = serializers.PrimaryKeyRelatedField(
        queryset=LegalEntity.objects.all(), allow_null=True, required=False
    )
    restrict_incidents = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class IntegrationCreateSerializer(IntegrationWriteSerializer):
    kind = enum_field(IntegrationKind, "IntegrationKindEnum")
    secret = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=True,
        help_text="PagerDuty: the signing secret PagerDuty showed. Others: leave empty to have one generated "
        "(generic: a whsec_ Standard Webhooks secret).",
    )


class RotateSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="PagerDuty: the new secret from PagerDuty. Others: leave empty to have one generated.",
    )


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class InboundDeliverySerializer(serializers.ModelSerializer):
    outcome = enum_field(InboundOutcome, "InboundOutcomeEnum", read_only=True)
    incident = IncidentRefSerializer(read_only=True, allow_null=True)
    external_id = serializers.CharField(source="external_incident.external_id", read_only=True, default=None)

    class Meta:
        model = InboundDelivery
        fields = [
            "id",
            "received_at",
            "event_id",
            "event_type",
            "verified",
            "outcome",
            "http_status",
            "detail",
            "incident",
            "external_id",
            "body_size",
            "body_truncated",
            "body_sha256",
            "body",
        ]
        read_only_fields = fields


class WebhookReceiptSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(help_text="The stored delivery's id.")
    outcome = enum_field(InboundOutcome, "InboundOutcomeEnum")
    detail = serializers.CharField()


# --- outbound subscriptions ----------------------------------------------------------------------------


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=enum_field(WebhookEvent, "WebhookEventEnum"), read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "name",
            "target_url",
            "events",
            "include_restricted",
            "is_active",
            "disabled_reason",
            "secret_hint",
            "secret_rotated_at",
            "previous_secret_valid_until",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class IssuedSubscriptionSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The whsec_ signing secret (Standard Webhooks). It is shown only this once."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    target_url = serializers.CharField(max_length=500)
    events = serializers.ListField(
        child=enum_field(WebhookEvent, "WebhookEventEnum"), allow_empty=False, max_length=20
    )
    include_restricted = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "attempted_at",
            "target_ip",
            "status_code",
            "duration_ms",
            "error",
            "response_excerpt",
        ]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    state = enum_field(DeliveryState, "WebhookDeliveryStateEnum", read_only=True)
    event_type = enum_field(WebhookEvent, "WebhookEventEnum", source="event.event_type", read_only=True)
    message_id = serializers.CharField(source="event.message_id", read_only=True)
    payload = serializers.JSONField(source="event.payload", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_type",
            "message_id",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "finished_at",
            "payload",
            "attempt_log",
        ]
        read_only_fields = fields
