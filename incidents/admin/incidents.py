from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from incidents import services
from incidents.admin.plan import IncidentTaskInline
from incidents.choices import IncidentAction
from incidents.models import (
    Category,
    Evidence,
    Incident,
    IncidentRole,
    RoleAssignment,
    Service,
    Severity,
    Team,
    TimelineEvent,
)
from portal.admin import AuditedAdminMixin
from portal.errors import DomainError
from portal.users import acting_user


@admin.register(Severity)
class SeverityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "rank",
        "colour",
        "acknowledge_target_minutes",
        "resolve_target_minutes",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "description"]


@admin.register(Category)
class CategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Service)
class ServiceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "owner", "tier", "is_active"]
    list_filter = ["tier", "is_active"]
    search_fields = ["name", "owner", "description"]


@admin.register(IncidentRole)
class IncidentRoleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("occurred_at", "kind", "author", "text")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "incident"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("role", "user", "assigned_at", "ended_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _transition_admin_action(name: str) -> Callable[..., None]:
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        done = 0
        actor = acting_user(request)
        for incident in queryset:
            try:
                services.incident_transition(
                    incident=incident, action=name, actor=actor, note="Changed in the admin."
                )
                done += 1
            except (DomainError, ValidationError) as exc:
                modeladmin.message_user(request, f"{incident.reference}: {exc}", messages.WARNING)
        if done:
            modeladmin.message_user(
                request, f"{IncidentAction(name).label}: {done} incident(s).", messages.SUCCESS
            )

    run.__name__ = f"action_{name}"
    return admin.action(description=f"{IncidentAction(name).label} the selected incidents")(run)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "title",
        "severity",
        "category",
        "status",
        "detected_at",
        "is_restricted",
        "is_exercise",
    ]
    list_filter = ["status", "severity", "category", "is_restricted", "is_exercise"]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "detected_at"
    list_select_related = ["severity", "category"]
    autocomplete_fields = ["services"]
    readonly_fields = [
        "reference",
        "status",
        "acknowledged_at",
        "contained_at",
        "resolved_at",
        "closed_at",
        "declined_at",
        "reopened_at",
        "playbook",
        "created_by",
        "created_at",
        "version",
    ]
    inlines = [RoleInline, IncidentTaskInline, TimelineInline]
    actions = [_transition_admin_action(name) for name in IncidentAction.values]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "title",
                    "summary",
                    "impact",
                    "severity",
                    "category",
                    "services",
                    "status",
                ]
            },
        ),
        (
            "Times",
            {
                "fields": [
                    "occurred_at",
                    "detected_at",
                    "aware_at",
                    "acknowledged_at",
                    "contained_at",
                    "resolved_at",
                    "closed_at",
                    "declined_at",
                    "reopened_at",
                ]
            },
        ),
        ("Response plan", {"fields": ["team", "playbook"]}),
        ("Visibility", {"fields": ["is_restricted", "is_exercise", "created_by", "created_at", "version"]}),
    ]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "team":
            kwargs["queryset"] = Team.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Incident, form: Any, change: bool) -> None:
        data = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.EDITABLE_FIELDS
        }
        actor = acting_user(request)
        if change:
            services.incident_update(incident=obj, actor=actor, data=data)
            team = form.cleaned_data.get("team")
            if "team" in form.changed_data and team is not None:
                services.incident_pull_in_team(incident=obj, team=team, actor=actor)
        else:
            created = services.incident_create(
                actor=actor,
                **{
                    field: form.cleaned_data.get(field)
                    for field in services.EDITABLE_FIELDS
                    if field in form.cleaned_data and form.cleaned_data.get(field) is not None
                },
                team=form.cleaned_data.get("team"),
            )
            obj.pk = created.pk
            obj.reference = created.reference

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if "services" in form.changed_data:
            incident = Incident.objects.get(pk=form.instance.pk)
            services.incident_update(
                incident=incident, actor=acting_user(request), data={"services": list(form.cleaned_data["services"])}
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "incident",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    search_fields = ["original_name", "sha256", "incident__reference"]
    readonly_fields = [f.name for f in Evidence._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
