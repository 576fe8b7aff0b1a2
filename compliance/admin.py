from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from compliance import services
from compliance.forms import LegalEntityForm
from compliance.models import (
    Assessment,
    AssessmentDecision,
    CompetentAuthority,
    CustomRegime,
    LegalEntity,
    Obligation,
    ObligationDueChange,
    RegulatorReport,
)
from portal.admin import AuditedAdminMixin
from portal.audit import audit_record
from portal.users import acting_user


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by services only: visible in the admin, changed elsewhere."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CustomRegime)
class CustomRegimeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "recipient", "amount", "unit", "clock_start", "is_active"]
    list_filter = ["unit", "clock_start", "is_active"]
    search_fields = ["code", "name", "recipient", "basis"]

    # The admin saves in one transaction (changeform_view is atomic): the
    # recomputation below fails or succeeds with the change.
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.custom_regime_changed(regime=form.instance, actor=acting_user(request))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actor = acting_user(request)
        audit_record(action=f"{obj._meta.model_name}.deleted", actor=actor, obj=obj)
        services.custom_regime_delete(regime=obj, actor=actor)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class CompetentAuthorityInline(admin.TabularInline):
    model = CompetentAuthority
    extra = 1
    # Django 6 changes the URL field's default scheme; say it, so the entity page renders without warning.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(LegalEntity)
class LegalEntityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = LegalEntityForm
    list_display = ["name", "country", "subdivision", "timezone", "lei", "is_active"]
    list_filter = ["country", "is_active"]
    search_fields = ["name", "lei"]
    filter_horizontal = ["custom_regimes"]
    inlines = [CompetentAuthorityInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the custom regimes (many-to-many) are saved: the facts are complete.
        super().save_related(request, form, formsets, change)
        services.entity_changed(entity=form.instance, actor=acting_user(request))


# Shown and read-only alike; a tuple, because the stubs type ``fields`` and ``readonly_fields``
# as different lists (one list assigned to both cannot satisfy both).
_DECISION_FIELDS = ("kind", "value", "decided_at", "decided_by", "rationale", "recorded_at")


class DecisionInline(admin.TabularInline):
    model = AssessmentDecision
    extra = 0
    fields = _DECISION_FIELDS
    readonly_fields = _DECISION_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["incident", "entity", "personal_data_involved", "risk", "data_subjects", "updated_at"]
    list_filter = ["entity", "risk", "personal_data_involved"]
    search_fields = ["incident__reference", "incident__title"]
    inlines = [DecisionInline]


class DueChangeInline(admin.TabularInline):
    model = ObligationDueChange
    extra = 0
    readonly_fields = ["old_due_at", "new_due_at", "reason", "changed_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ["code", "incident", "entity", "due_at", "status", "urgent", "provisional"]
    list_filter = ["status", "regime", "entity", "urgent"]
    search_fields = ["code", "incident__reference"]
    date_hierarchy = "due_at"
    inlines = [DueChangeInline]


@admin.register(RegulatorReport)
class RegulatorReportAdmin(ReadOnlyAdmin):
    list_display = [
        "obligation",
        "incident",
        "status",
        "author",
        "approver",
        "submitted_at",
        "submission_reference",
    ]
    list_filter = ["status", "obligation__regime"]
    search_fields = ["incident__reference", "submission_reference", "pdf_sha256"]
