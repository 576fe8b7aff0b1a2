from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from incidents.api.serializers.incident_rows import incident_row
from incidents.choices import actions_available
from incidents.models import (
    Category,
    Evidence,
    Incident,
    IncidentRole,
    Playbook,
    RoleAssignment,
    Service,
    Severity,
    Team,
    TimelineEvent,
)
from portal.api.fields import AwareDateTimeField, StrictModelSerializer, UserSummarySerializer


class SeveritySerializer(StrictModelSerializer):
    class Meta:
        model = Severity
        fields = [
            "id",
            "name",
            "rank",
            "description",
            "colour",
            "acknowledge_target_minutes",
            "resolve_target_minutes",
            "is_active",
        ]


class CategorySerializer(StrictModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "is_active"]


class ServiceSerializer(StrictModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name", "description", "owner", "tier", "is_active"]


class IncidentRoleSerializer(StrictModelSerializer):
    class Meta:
        model = IncidentRole
        fields = ["id", "name", "slug", "description", "order", "is_active"]


class SeveritySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Severity
        fields = ["id", "name", "rank", "colour"]


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class ServiceSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name"]


class TeamSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class PlaybookSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Playbook
        fields = ["id", "name"]


class RoleHolderSerializer(serializers.ModelSerializer):
    role: serializers.SlugRelatedField[IncidentRole] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_name", "user", "assigned_at"]


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role: serializers.SlugRelatedField[IncidentRole] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    user = UserSummarySerializer(read_only=True)
    assigned_by = UserSummarySerializer(read_only=True)
    ended_by = UserSummarySerializer(read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "role",
            "role_name",
            "user",
            "assigned_at",
            "assigned_by",
            "ended_at",
            "ended_by",
            "active",
        ]


class RoleAssignInputSerializer(serializers.Serializer):
    role = serializers.SlugRelatedField(
        slug_field="slug", queryset=IncidentRole.objects.filter(is_active=True)
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        help_text="The new holder, or null to leave the role vacant.",
    )


class IncidentSerializer(StrictModelSerializer):
    """What clients read about an incident."""

    severity = SeveritySummarySerializer(read_only=True)
    category = CategorySummarySerializer(read_only=True)
    services = ServiceSummarySerializer(many=True, read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)
    playbook = PlaybookSummarySerializer(read_only=True, allow_null=True)
    roles = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "impact",
            "severity",
            "category",
            "services",
            "status",
            "occurred_at",
            "detected_at",
            "aware_at",
            "acknowledged_at",
            "contained_at",
            "resolved_at",
            "closed_at",
            "declined_at",
            "reopened_at",
            "is_restricted",
            "is_exercise",
            "team",
            "playbook",
            "created_by",
            "created_at",
            "updated_at",
            "version",
            "roles",
            "allowed_actions",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Incident) -> dict[str, Any]:
        # Hand-written, byte-identical to the declared fields (tests/incidents/test_incident_rows.py).
        return incident_row(instance, timezone.get_current_timezone())

    def get_roles(self, incident: Incident) -> list[dict[str, Any]]:
        # Only for the schema and the reference rendering: to_representation builds the roles itself.
        holders = getattr(incident, "active_roles", None)
        if holders is None:
            holders = incident.role_assignments.filter(ended_at__isnull=True).select_related("role", "user")
        # many=True builds a ListSerializer, whose data is a list; the stubs type the call as the child.
        return cast(list[dict[str, Any]], RoleHolderSerializer(holders, many=True).data)

    def get_allowed_actions(self, incident: Incident) -> list[str]:
        return actions_available(incident.status)


class IncidentWriteSerializer(StrictModelSerializer):
    """What clients may set; status and stamps move only through the actions."""

    severity = serializers.PrimaryKeyRelatedField(queryset=Severity.objects.filter(is_active=True))
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    services = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.filter(is_active=True), many=True, required=False
    )
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    impact = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    detected_at = AwareDateTimeField(required=False)

    class Meta:
        model = Incident
        fields = [
            "title",
            "summary",
            "impact",
            "severity",
            "category",
            "services",
            "occurred_at",
            "detected_at",
            "aware_at",
            "is_restricted",
            "is_exercise",
        ]


class IncidentCreateSerializer(IncidentWriteSerializer):
    """What a declaration may also name: the response team to pull in."""

    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="The team to pull in; else the matching playbook's team, if any.",
    )

    class Meta(IncidentWriteSerializer.Meta):
        fields = [*IncidentWriteSerializer.Meta.fields, "team"]


class TeamPullInSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.filter(is_active=True))


class TransitionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When it happened, if not now (e.g. the time from an alerting tool).",
    )


class TimelineEventSerializer(StrictModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = TimelineEvent
        fields = ["id", "kind", "occurred_at", "created_at", "author", "text", "data", "for_regulators"]
        read_only_fields = fields


class TimelineMarkSerializer(serializers.Serializer):
    for_regulators = serializers.BooleanField()


class NoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    occurred_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class EvidenceSerializer(StrictModelSerializer):
    uploaded_by = UserSummarySerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "description",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, evidence: Evidence) -> str:
        return f"/api/v1/incidents/{evidence.incident_id}/evidence/{evidence.pk}/download/"


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255, allow_empty_file=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class KpiRowSerializer(serializers.Serializer):
    month = serializers.CharField()
    severity = serializers.CharField()
    incidents = serializers.IntegerField()
    mttd_seconds = serializers.FloatField(allow_null=True)
    mtta_seconds = serializers.FloatField(allow_null=True)
    mttc_seconds = serializers.FloatField(allow_null=True)
    mttr_seconds = serializers.FloatField(allow_null=True)


class KpiResponseSerializer(serializers.Serializer):
    results = KpiRowSerializer(many=True)


class KpiQuerySerializer(serializers.Serializer):
    category = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    severity = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list)
    detected_after = AwareDateTimeField(required=False, allow_null=True, default=None)
    detected_before = AwareDateTimeField(required=False, allow_null=True, default=None)
    include_exercises = serializers.BooleanField(required=False, default=False)
