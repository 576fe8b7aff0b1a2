from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

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


class DecisionInline(admin.TabularInline):
    model = AssessmentDecision
    extra = 0
    fields = ["kind", "value", "decided_at", "decided_by", "rationale", "recorded_at"]
    readonly_fields = fields
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
