"""Serializers of the response plan: teams, playbooks, tasks and escalations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.api.serializers.incidents import TeamSummarySerializer
from incidents.choices import Audience, Milestone, TaskStatus, task_actions_available
from incidents.models import (
    Category,
    CommunicationGuideline,
    Escalation,
    EscalationContact,
    IncidentRole,
    IncidentTask,
    Playbook,
    PlaybookEscalationRule,
    PlaybookTask,
    Severity,
    StakeholderTemplate,
    Team,
    TeamMember,
    TeamRoleCover,
    TeamType,
)
from incidents.validators import MAX_LIST_ITEMS, phone_validator
from portal.api.fields import AwareDateTimeField, StrictModelSerializer, UserSummarySerializer

_ONE_YEAR_MINUTES = 525_600


def _active_users() -> Any:
    return get_user_model().objects.filter(is_active=True)


def _active_roles() -> Any:
    return IncidentRole.objects.filter(is_active=True)


class TeamTypeSerializer(StrictModelSerializer):
    class Meta:
        model = TeamType
        fields = ["id", "name", "slug", "description", "order", "is_active"]


# --- teams ------------------------------------------------------------------------------------------


class TeamMemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    roles: serializers.SlugRelatedField[IncidentRole] = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = TeamMember
        fields = ["user", "email", "phone", "roles", "is_available"]


class TeamRoleCoverSerializer(serializers.ModelSerializer):
    role: serializers.SlugRelatedField[IncidentRole] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    primary = UserSummarySerializer(source="primary.user", read_only=True)
    deputy = UserSummarySerializer(source="deputy.user", read_only=True, allow_null=True)

    class Meta:
        model = TeamRoleCover
        fields = ["role", "role_name", "primary", "deputy"]


class EscalationContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationContact
        fields = ["name", "function", "email", "phone", "order"]


class TeamSerializer(serializers.ModelSerializer):
    team_type: serializers.SlugRelatedField[TeamType] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team_type_name = serializers.CharField(source="team_type.name", read_only=True)
    members = TeamMemberSerializer(many=True, read_only=True)
    role_covers = TeamRoleCoverSerializer(many=True, read_only=True)
    escalation_contacts = EscalationContactSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "team_type",
            "team_type_name",
            "description",
            "email",
            "phone",
            "is_active",
            "members",
            "role_covers",
            "escalation_contacts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _list_of(child: type[serializers.Serializer], *, max_length: int) -> Any:
    """``child(many=True, required=False, max_length=...)``: an optional list of at most ``max_length``.

    DRF hands ``max_length`` to the ListSerializer that ``many=True`` builds; the stubs
    type the call as the child serializer, whose signature has no ``max_length``.
    """
    list_options: dict[str, Any] = {"many": True, "required": False, "max_length": max_length}
    return child(**list_options)


class TeamMemberInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=_active_users())
    roles = serializers.SlugRelatedField(
        slug_field="slug", queryset=_active_roles(), many=True, required=False, default=list
    )
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", validators=[phone_validator]
    )
    is_available = serializers.BooleanField(required=False, default=True)


class TeamRoleCoverInputSerializer(serializers.Serializer):
    role = serializers.SlugRelatedField(slug_field="slug", queryset=_active_roles())
    primary = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), help_text="A member who can hold the role."
    )
    deputy = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Steps in when the primary cannot.",
    )


class EscalationContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    function = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", validators=[phone_validator]
    )
    order = serializers.IntegerField(
        min_value=0, max_value=32_767, required=False, allow_null=True, default=None
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("email") and not attrs.get("phone"):
            raise serializers.ValidationError({"email": "Give an email address or a phone number."})
        return attrs


class TeamWriteSerializer(serializers.Serializer):
    """A team with its roster; each list, when sent, replaces the previous one."""

    name = serializers.CharField(max_length=100)
    team_type = serializers.SlugRelatedField(
        slug_field="slug", queryset=TeamType.objects.filter(is_active=True)
    )
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, validators=[phone_validator]
    )
    is_active = serializers.BooleanField(required=False)
    members = _list_of(TeamMemberInputSerializer, max_length=MAX_LIST_ITEMS)
    role_covers = _list_of(TeamRoleCoverInputSerializer, max_length=50)
    escalation_contacts = _list_of(EscalationContactInputSerializer, max_length=50)


# --- playbooks --------------------------------------------------------------------------------------


class PlaybookTaskSerializer(serializers.ModelSerializer):
    role: serializers.SlugRelatedField[IncidentRole] = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = PlaybookTask
        fields = ["id", "order", "title", "guidance", "role", "due_after_minutes"]


class PlaybookEscalationRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaybookEscalationRule
        fields = ["id", "milestone", "after_minutes", "notify_emails", "note"]


class StakeholderTemplateSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = StakeholderTemplate
        fields = ["id", "name", "language"]


class CommunicationGuidelineSerializer(serializers.ModelSerializer):
    template = StakeholderTemplateSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = CommunicationGuideline
        fields = ["id", "audience", "template", "within_minutes", "note"]


class PlaybookSerializer(serializers.ModelSerializer):
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    minimum_severity: serializers.SlugRelatedField[Severity] = serializers.SlugRelatedField(slug_field="name", read_only=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)
    tasks = PlaybookTaskSerializer(many=True, read_only=True)
    escalation_rules = PlaybookEscalationRuleSerializer(many=True, read_only=True)
    communication_guidelines = CommunicationGuidelineSerializer(many=True, read_only=True)

    class Meta:
        model = Playbook
        fields = [
            "id",
            "name",
            "category",
            "minimum_severity",
            "description",
            "team",
            "is_active",
            "tasks",
            "escalation_rules",
            "communication_guidelines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PlaybookTaskInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text="Keep this existing task."
    )
    order = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=32_767, default=None
    )
    title = serializers.CharField(max_length=200)
    guidance = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    role = serializers.SlugRelatedField(
        slug_field="slug", queryset=_active_roles(), required=False, allow_null=True, default=None
    )
    due_after_minutes = serializers.IntegerField(
        min_value=1, max_value=_ONE_YEAR_MINUTES, required=False, allow_null=True, default=None
    )


class PlaybookEscalationRuleInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    milestone = serializers.ChoiceField(choices=Milestone.choices)
    after_minutes = serializers.IntegerField(min_value=1, max_value=_ONE_YEAR_MINUTES)
    notify_emails = serializers.ListField(
        child=serializers.EmailField(), required=False, default=list, max_length=MAX_LIST_ITEMS
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CommunicationGuidelineInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    audience = serializers.ChoiceField(choices=Audience.choices)
    template = serializers.PrimaryKeyRelatedField(
        queryset=StakeholderTemplate.objects.all(), required=False, allow_null=True, default=None
    )
    within_minutes = serializers.IntegerField(min_value=1, max_value=_ONE_YEAR_MINUTES)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PlaybookWriteSerializer(serializers.Serializer):
    """A playbook with its checklist, escalation rules and communication guidelines.

    Each list, when sent, replaces the previous one; items that carry the
    ``id`` of an existing item keep it.
    """

    name = serializers.CharField(max_length=120)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    minimum_severity = serializers.PrimaryKeyRelatedField(
        queryset=Severity.objects.filter(is_active=True),
        help_text="Applies to incidents at least this severe.",
    )
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True), required=False, allow_null=True
    )
    is_active = serializers.BooleanField(required=False)
    tasks = _list_of(PlaybookTaskInputSerializer, max_length=MAX_LIST_ITEMS)
    escalation_rules = _list_of(PlaybookEscalationRuleInputSerializer, max_length=50)
    communication_guidelines = _list_of(CommunicationGuidelineInputSerializer, max_length=50)


# --- incident tasks and escalations -------------------------------------------------------------------


class IncidentTaskSerializer(StrictModelSerializer):
    role: serializers.SlugRelatedField[IncidentRole] = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    role_name = serializers.CharField(source="role.name", read_only=True, allow_null=True, default=None)
    owner = serializers.SerializerMethodField(help_text="Who holds the task's role on the incident now.")
    overdue = serializers.SerializerMethodField()
    from_playbook = serializers.SerializerMethodField()
    finished_by = UserSummarySerializer(read_only=True, allow_null=True)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = IncidentTask
        fields = [
            "id",
            "order",
            "title",
            "guidance",
            "role",
            "role_name",
            "owner",
            "due_at",
            "overdue",
            "status",
            "finished_at",
            "finished_by",
            "note",
            "from_playbook",
            "created_by",
            "created_at",
            "version",
            "allowed_actions",
        ]
        read_only_fields = fields

    @staticmethod
    def _user(user: Any) -> dict[str, Any] | None:
        if user is None:
            return None
        return {
            "id": user.pk,
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
        }

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_owner(self, task: IncidentTask) -> dict[str, Any] | None:
        holders = self.context.get("holders")
        if holders is None or task.role_id is None:
            return None
        return self._user(holders.get(task.role_id))

    def get_overdue(self, task: IncidentTask) -> bool:
        now = self.context.get("now")
        return bool(task.status == TaskStatus.OPEN and task.due_at and now and task.due_at < now)

    def get_from_playbook(self, task: IncidentTask) -> bool:
        return task.playbook_task_id is not None

    def get_allowed_actions(self, task: IncidentTask) -> list[str]:
        return task_actions_available(task.status)


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    guidance = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    role = serializers.SlugRelatedField(
        slug_field="slug", queryset=_active_roles(), required=False, allow_null=True, default=None
    )
    due_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class TaskCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="When it was done, if not now."
    )


class TaskSkipSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="Why the step is skipped (required).")


class TaskReopenSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class EscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Escalation
        fields = ["id", "kind", "target", "detail", "due_at", "fired_at", "recipients", "is_exercise"]
        read_only_fields = fields
