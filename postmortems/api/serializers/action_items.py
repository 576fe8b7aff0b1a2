"""Action items: what the API shows and what it accepts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from incidents.models import Incident
from portal.api.fields import StrictModelSerializer, UserSummarySerializer, enum_field
from postmortems.api.serializers.base import VisibleIncidentField, VisiblePostmortemField, _active_users
from postmortems.choices import (
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    action_item_actions_available,
)
from postmortems.models import ActionItem, Postmortem, external_url_validator

# --- action items --------------------------------------------------------------------------------------


class ActionItemSerializer(StrictModelSerializer):
    """What clients read about an action item; status moves only through its actions."""

    postmortem_reference = serializers.CharField(source="postmortem.reference", read_only=True)
    incident_reference = serializers.CharField(source="incident.reference", read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    priority = enum_field(ActionItemPriority, "ActionItemPriorityEnum", read_only=True)
    kind = enum_field(ActionItemKind, "ActionItemKindEnum", read_only=True)
    status = enum_field(ActionItemStatus, "ActionItemStatusEnum", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    closed_by = UserSummarySerializer(read_only=True, allow_null=True)
    created_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "postmortem",
            "postmortem_reference",
            "incident",
            "incident_reference",
            "title",
            "description",
            "owner",
            "due_date",
            "priority",
            "kind",
            "status",
            "overdue",
            "allowed_actions",
            "wont_do_reason",
            "external_url",
            "verification",
            "closed_at",
            "closed_by",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, item: ActionItem) -> list[str]:
        return action_item_actions_available(item.status)


class ActionItemWriteSerializer(serializers.Serializer):
    postmortem = VisiblePostmortemField(queryset=Postmortem.objects.none())
    incident = VisibleIncidentField(
        queryset=Incident.objects.none(),
        required=False,
        allow_null=True,
        help_text="One of the post-mortem's incidents, when the item belongs to one.",
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    owner = serializers.PrimaryKeyRelatedField(queryset=_active_users(), required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = enum_field(ActionItemPriority, "ActionItemPriorityEnum", required=False)
    kind = enum_field(ActionItemKind, "ActionItemKindEnum", required=False)
    external_url = serializers.CharField(
        required=False, allow_blank=True, max_length=500, validators=[external_url_validator]
    )
    verification = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            del self.fields["postmortem"]  # an item stays with its post-mortem


class CompleteInputSerializer(serializers.Serializer):
    verification = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        default="",
        help_text="How the change was shown to work; required for prevent and mitigate items.",
    )


class WontDoInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="Why the item will not be done.")
