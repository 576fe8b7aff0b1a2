"""Admin views of integrations. A secret appears once only: an integration added here is created
by the same service as in the API, and the page that answers the addition shows its secret this
once (never stored in the session or a message cookie); after that only its hint is shown. The
admin edits settings through the same services, and shows deliveries read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

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
from portal.users import acting_user


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


class IntegrationAddForm(IntegrationForm):
    signing_secret = forms.CharField(
        label="Secret",
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="PagerDuty: the signing secret PagerDuty showed. Others: leave empty to have one generated "
        "(generic: a whsec_ Standard Webhooks secret). It is shown once, on the next page.",
    )

    class Meta(IntegrationForm.Meta):
        fields = ["kind", *IntegrationForm.Meta.fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        values = {field: cleaned.get(field) for field in services.INTEGRATION_FIELDS}
        try:
            services.integration_check_new(
                kind=cleaned.get("kind", ""), secret=cleaned.get("signing_secret") or None, **values
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = {"secret": "signing_secret"}.get(field, field)
                self.add_error(target if target in self.fields else None, messages)
        return cleaned


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    add_form = IntegrationAddForm
    list_display = ["name", "kind", "is_active", "restrict_incidents", "secret_hint", "secret_rotated_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["kind", "secret_hint", "secret_rotated_at", "actor", "created_at"]
    secret_template = "admin/integrations/integration/secret_once.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.readonly_fields) if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return (*IntegrationAddForm.Meta.fields, "signing_secret")
        return (*IntegrationForm.Meta.fields, *self.readonly_fields)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        if not change:
            values = {field: form.cleaned_data.get(field) for field in services.INTEGRATION_FIELDS}
            created, secret = services.integration_create(
                actor=acting_user(request),
                kind=form.cleaned_data["kind"],
                secret=form.cleaned_data.get("signing_secret") or None,
                **{key: value for key, value in values.items() if value is not None},
            )
            # The admin goes on with the object it passed in (to log the addition and answer).
            obj.pk = created.pk
            obj.__dict__.update({key: value for key, value in created.__dict__.items() if key != "_state"})
            obj._state.adding = False
            obj._state.db = created._state.db
            setattr(obj, "issued_secret", secret)  # noqa: B010 - not a field: answered once, never stored
            return
        services.integration_update(
            integration=obj,
            actor=acting_user(request),
            data={
                field: form.cleaned_data[field] for field in form.changed_data if field in form.cleaned_data
            },
        )

    def response_add(self, request: HttpRequest, obj: Integration, post_url_continue: str | None = None) -> Any:
        """Answer the addition with the one page that shows the secret (not a redirect: nothing keeps it)."""
        secret = getattr(obj, "issued_secret", "")
        path = reverse("integrations-api:integration-webhook", kwargs={"pk": obj.pk})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Integration {obj.name} added",
            "integration": obj,
            "secret": secret,
            "webhook_url": request.build_absolute_uri(path),
            "change_url": reverse("admin:integrations_integration_change", args=[obj.pk]),
        }
        response = TemplateResponse(request, self.secret_template, context)
        patch_cache_control(response, private=True, no_store=True)
        return response


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
            actor=acting_user(request),
            data={
                field: form.cleaned_data[field] for field in form.changed_data if field in form.cleaned_data
            },
        )

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        services.subscription_delete(subscription=obj, actor=acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        actor = acting_user(request)
        for subscription in queryset:
            services.subscription_delete(subscription=subscription, actor=actor)


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
