"""Admin for the sign-in layer: lockouts (list and lift) and linked external identities."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.identity.lockout import lockout_lift, lockout_lifts_at
from portal.models import ExternalIdentity

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """axes' list of failed sign-ins; deleting a row (or the action) lifts its lockout, audited."""

    list_display = [*AccessAttemptAdmin.list_display, "locked_until"]
    actions = ["lift_lockouts", *AccessAttemptAdmin.actions]

    @admin.display(description="Locked until")
    def locked_until(self, obj: AccessAttempt) -> Any:
        return lockout_lifts_at(obj.username or "", obj.ip_address) or "-"

    @admin.action(description="Lift the lockout of the selected accounts (from these addresses)")
    def lift_lockouts(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        pairs = sorted({(row.username or "", row.ip_address) for row in queryset})
        removed = sum(
            lockout_lift(username=username, ip_address=ip, actor=request.user, via="admin")
            for username, ip in pairs
        )
        self.message_user(request, f"Lifted {len(pairs)} lockout(s) ({removed} record(s)).", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        lockout_lift(username=obj.username or "", ip_address=obj.ip_address, actor=request.user, via="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        for username, ip in sorted({(row.username or "", row.ip_address) for row in queryset}):
            lockout_lift(username=username, ip_address=ip, actor=request.user, via="admin")


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "issuer", "subject", "created_at", "last_login_at"]
    search_fields = ["user__username", "subject", "issuer"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_login_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Links are made by signing in; deleting one lets the provider's identity create a fresh account.
        return False
