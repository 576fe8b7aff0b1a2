"""Admin views of integrations. Secrets never appear here: integrations and subscriptions are
created (and their secrets rotated) through the API, which shows a secret once; the admin
edits their settings through the same services, and shows deliveries read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from integrations import services
from integrations.models import (
    ExternalIncident,
    ImportedIncident,
    InboundDelivery,
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = list(services.INTEGRATION_FIELDS)

    def clean_severity_mapping(self) -> dict[str, str]:
        try:
            return services.validate_severity_mapping(self.cleaned_data.get("severity_mapping"))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict.get("severity_mapping", exc.messages)) from None


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["name", "kind", "is_active", "restrict_incidents", "secret_hint", "secret_rotated_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["kind", "secret_hint", "secret_rotated_at", "actor", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Created through the API, where the secret can be shown once.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        services.integration_update(
            integration=obj,
            actor=request.user,
            data={
                field: form.cleaned_data[field] for field in form.changed_data if field in form.cleaned_data
            },
        )


@admin.register(InboundDelivery)
class InboundDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "integration",
        "event_type",
        "event_id",
        "verified",
        "outcome",
        "http_status",
    ]
    list_filter = ["outcome", "verified", "integration"]
    search_fields = ["event_id", "event_type", "detail"]
    date_hierarchy = "received_at"


@admin.register(ExternalIncident)
class ExternalIncidentAdmin(ReadOnlyAdmin):
    list_display = ["integration", "external_id", "number", "incident", "vendor_status", "status_at"]
    list_filter = ["integration"]
    search_fields = ["external_id", "number", "incident__reference"]


@admin.register(ImportedIncident)
class ImportedIncidentAdmin(ReadOnlyAdmin):
    list_display = ["source_reference", "incident", "source_file", "source_row", "imported_at"]
    search_fields = ["source_reference", "incident__reference"]


class SubscriptionForm(forms.ModelForm):
    target_url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = list(services.SUBSCRIPTION_FIELDS)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "target_url", "is_active", "disabled_reason", "secret_hint"]
    list_filter = ["is_active"]
    search_fields = ["name", "target_url"]
    readonly_fields = ["secret_hint", "secret_rotated_at", "disabled_reason", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool) -> None:
        services.subscription_update(
            subscription=obj,
            actor=request.user,
            data={
                field: form.cleaned_data[field] for field in form.changed_data if field in form.cleaned_data
            },
        )

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        services.subscription_delete(subscription=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for subscription in queryset:
            services.subscription_delete(subscription=subscription, actor=request.user)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "number",
        "attempted_at",
        "target_ip",
        "status_code",
        "duration_ms",
        "error",
        "response_excerpt",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "subscription",
        "event",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ]
    list_filter = ["state", "subscription"]
    inlines = [WebhookAttemptInline]
