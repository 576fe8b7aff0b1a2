from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.audit import audit_record, model_changes
from portal.identity import admin as identity_admin  # noqa: F401  (lockouts, external identities)
from portal.models import ApiToken, AuditEvent, OutboxMessage
from portal.tokens import api_token_revoke
from portal.users import acting_user


class AuditedAdminMixin:
    """Configuration edited in the admin lands in the audit trail like any other change."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = {}
        if change and obj.pk:
            old = type(obj).objects.get(pk=obj.pk)
            before = {f.attname: getattr(old, f.attname) for f in obj._meta.concrete_fields}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        after = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        audit_record(
            action=f"{obj._meta.model_name}.{'updated' if change else 'created'}",
            actor=request.user,
            obj=obj,
            changes=model_changes(before, after),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(action=f"{obj._meta.model_name}.deleted", actor=request.user, obj=obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            audit_record(action=f"{obj._meta.model_name}.deleted", actor=request.user, obj=obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["sequence", "created_at", "actor_username", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_repr", "actor_username", "object_id", "request_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Keys are issued by the API or the profile page, where they can be shown once.
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_token_revoke(token=token, actor=acting_user(request))
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Side effects owed by committed changes: what is pending, what failed and why."""

    list_display = ("id", "kind", "state", "attempts", "created_at", "available_at", "finished_at")
    list_filter = ("state", "kind")
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
