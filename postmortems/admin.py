from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import F
from django.http import HttpRequest

from portal.admin import AuditedAdminMixin
from portal.audit import audit_record
from postmortems.models import (
    ActionItem,
    ActionItemReminder,
    ContributingFactorCategory,
    Postmortem,
    PostmortemRevision,
    PostmortemTemplate,
    TemplateSection,
)


class ReadOnlyAdminMixin:
    """Records written by the services: shown in the admin, changed only through the API."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ContributingFactorCategory)
class ContributingFactorCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class TemplateSectionInline(admin.StackedInline):
    model = TemplateSection
    extra = 0
    fields = ["order", "key", "title", "required", "guidance", "starter_text"]


@admin.register(PostmortemTemplate)
class PostmortemTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "version", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version", "updated_at"]
    inlines = [TemplateSectionInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            # Post-mortems keep the sections they were created from; the version tells them apart.
            PostmortemTemplate.objects.filter(pk=form.instance.pk).update(version=F("version") + 1)
            template = PostmortemTemplate.objects.get(pk=form.instance.pk)
            audit_record(
                action="postmortemtemplate.versioned",
                actor=request.user,
                obj=template,
                changes={
                    "version": template.version,
                    "sections": [
                        [section.key, section.title, section.required]
                        for section in template.sections.order_by("order", "id")
                    ],
                },
            )


class RevisionInline(admin.TabularInline):
    model = PostmortemRevision
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "published_at", "published_by", "sha256")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Postmortem)
class PostmortemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "owner", "revision", "created_at", "published_at"]
    list_filter = ["status", "template"]
    search_fields = ["title", "incidents__reference"]
    list_select_related = ["owner"]
    inlines = [RevisionInline]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "postmortem", "owner", "due_date", "priority", "kind", "status"]
    list_filter = ["status", "priority", "kind"]
    search_fields = ["title", "description"]
    list_select_related = ["postmortem", "owner"]


@admin.register(ActionItemReminder)
class ActionItemReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["action_item", "kind", "due_date", "email", "sent_at"]
    list_filter = ["kind"]
