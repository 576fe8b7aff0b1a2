"""Admin of the response plan: teams, playbooks, stakeholder templates and exercises.

Administrators write the organisation's plan here. Writes that have rules
(templates: sandbox validation and version history; exercises) go through
the services; roster and playbook edits land in the audit trail as a
snapshot after the inlines are saved.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from incidents import services
from incidents.models import (
    Communication,
    CommunicationGuideline,
    Escalation,
    EscalationContact,
    Exercise,
    IncidentTask,
    Playbook,
    PlaybookEscalationRule,
    PlaybookTask,
    StakeholderTemplate,
    StakeholderTemplateVersion,
    Team,
    TeamMember,
    TeamRoleCover,
    TeamType,
)
from incidents.services.playbooks import playbook_snapshot
from incidents.services.roster import team_roster_snapshot
from portal.admin import AuditedAdminMixin
from portal.audit import audit_record
from portal.users import acting_user


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IncidentTaskInline(ReadOnlyInline):
    """The checklist, for reading; tasks move through the API's complete/skip actions."""

    model = IncidentTask
    fields = readonly_fields = ("order", "title", "role", "due_at", "status", "finished_at", "finished_by", "note")


@admin.register(TeamType)
class TeamTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "roles", "phone", "is_available"]


class TeamRoleCoverInline(admin.TabularInline):
    model = TeamRoleCover
    extra = 0
    fields = ["role", "primary", "deputy"]


class EscalationContactInline(admin.TabularInline):
    model = EscalationContact
    extra = 0
    fields = ["order", "name", "function", "email", "phone"]


class SnapshotAuditMixin:
    """After the inlines are saved, record the whole configuration in the audit trail."""

    snapshot_action = ""

    def snapshot(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        audit_record(
            action=self.snapshot_action,
            actor=request.user,
            obj=form.instance,
            changes=self.snapshot(form.instance),
        )


@admin.register(Team)
class TeamAdmin(SnapshotAuditMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "team_type", "email", "phone", "is_active"]
    list_filter = ["team_type", "is_active"]
    search_fields = ["name", "description"]
    inlines = [TeamMemberInline, TeamRoleCoverInline, EscalationContactInline]
    snapshot_action = "team.roster_saved"

    def snapshot(self, obj: Team) -> dict[str, Any]:
        return team_roster_snapshot(obj)


class PlaybookTaskInline(admin.TabularInline):
    model = PlaybookTask
    extra = 0
    fields = ["order", "title", "role", "due_after_minutes", "guidance"]


class PlaybookEscalationRuleInline(admin.TabularInline):
    model = PlaybookEscalationRule
    extra = 0
    fields = ["milestone", "after_minutes", "notify_emails", "note"]


class CommunicationGuidelineInline(admin.TabularInline):
    model = CommunicationGuideline
    extra = 0
    fields = ["audience", "template", "within_minutes", "note"]


@admin.register(Playbook)
class PlaybookAdmin(SnapshotAuditMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "category", "minimum_severity", "team", "is_active"]
    list_filter = ["category", "minimum_severity", "is_active"]
    search_fields = ["name", "description"]
    list_select_related = ["category", "minimum_severity", "team"]
    inlines = [PlaybookTaskInline, PlaybookEscalationRuleInline, CommunicationGuidelineInline]
    snapshot_action = "playbook.contents_saved"

    def snapshot(self, obj: Playbook) -> dict[str, Any]:
        return playbook_snapshot(obj)


class StakeholderTemplateForm(forms.ModelForm):
    class Meta:
        model = StakeholderTemplate
        fields = [
            "name",
            "audience",
            "channel",
            "language",
            "subject_template",
            "body_template",
            "categories",
            "severities",
            "is_active",
        ]
        help_texts = {
            "body_template": "Jinja2 in a sandbox. Variables: "
            + ", ".join(services.TEMPLATE_VARIABLES)
            + ".",
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("channel") and data.get("body_template") is not None:
            try:
                services.validate_stakeholder_template(
                    channel=data["channel"],
                    subject_template=data.get("subject_template") or "",
                    body_template=data["body_template"],
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field, messages)
        return data


class TemplateVersionInline(ReadOnlyInline):
    model = StakeholderTemplateVersion
    fields = readonly_fields = ("version", "saved_at", "saved_by", "subject_template", "body_template", "is_active")


@admin.register(StakeholderTemplate)
class StakeholderTemplateAdmin(admin.ModelAdmin):
    form = StakeholderTemplateForm
    list_display = ["name", "audience", "channel", "language", "version", "is_active", "updated_at"]
    list_filter = ["audience", "channel", "language", "is_active"]
    search_fields = ["name", "subject_template", "body_template"]
    filter_horizontal = ["categories", "severities"]
    inlines = [TemplateVersionInline]

    def save_model(self, request: HttpRequest, obj: StakeholderTemplate, form: Any, change: bool) -> None:
        data = {field: form.cleaned_data[field] for field in form.Meta.fields if field in form.cleaned_data}
        if change:
            services.stakeholder_template_update(template=obj, actor=acting_user(request), data=data)
        else:
            created = services.stakeholder_template_create(actor=acting_user(request), data=data)
            obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service already set the categories and severities and kept the history.
        return None

    def delete_model(self, request: HttpRequest, obj: StakeholderTemplate) -> None:
        services.stakeholder_template_delete(template=obj, actor=acting_user(request))


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = [
            "title",
            "exercise_type",
            "scenario",
            "objectives",
            "category",
            "playbook",
            "team",
            "participants",
            "external_participants",
            "findings",
            "follow_up_actions",
            "scheduled_for",
            "conducted_at",
            "incident",
        ]


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    form = ExerciseForm
    list_display = ["title", "exercise_type", "scheduled_for", "conducted_at", "team", "playbook"]
    list_filter = ["exercise_type", "team", "category"]
    search_fields = ["title", "scenario", "findings"]
    date_hierarchy = "scheduled_for"
    filter_horizontal = ["participants"]
    list_select_related = ["team", "playbook"]
    raw_id_fields = ["incident"]

    def save_model(self, request: HttpRequest, obj: Exercise, form: Any, change: bool) -> None:
        data = {field: form.cleaned_data[field] for field in form.Meta.fields if field in form.cleaned_data}
        if change:
            services.exercise_update(exercise=obj, actor=acting_user(request), data=data)
        else:
            created = services.exercise_create(actor=acting_user(request), data=data)
            obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    def delete_model(self, request: HttpRequest, obj: Exercise) -> None:
        services.exercise_delete(exercise=obj, actor=acting_user(request))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Communication)
class CommunicationAdmin(ReadOnlyAdmin):
    """What was told to stakeholders; recorded by the communications service only."""

    list_display = ["incident", "audience", "channel", "subject", "sender", "sent_at", "delivery_status"]
    list_filter = ["audience", "channel", "delivery_status"]
    search_fields = ["incident__reference", "subject"]
    list_select_related = ["incident", "sender"]
    readonly_fields = [f.name for f in Communication._meta.fields]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["incident", "kind", "detail", "due_at", "fired_at", "is_exercise"]
    list_filter = ["kind", "is_exercise"]
    search_fields = ["incident__reference", "detail"]
    list_select_related = ["incident"]
    readonly_fields = [f.name for f in Escalation._meta.fields]
