"""Templates, categories and post-mortems: what the API shows and what it accepts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident
from portal.api.fields import AwareDateTimeField, StrictModelSerializer, UserSummarySerializer, enum_field
from portal.markdown import render_markdown
from postmortems.api.serializers.base import IdOrSlugRelatedField, VisibleIncidentField, _active_users
from postmortems.choices import (
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    ImpactSource,
    PostmortemStatus,
    TimelineAssessment,
    postmortem_actions_available,
)
from postmortems.models import (
    ActionItem,
    ContributingFactorCategory,
    Postmortem,
    PostmortemRevision,
    PostmortemSection,
    PostmortemTemplate,
    PostmortemTimelineEntry,
    TemplateSection,
)
from postmortems.quality import postmortem_impact, postmortem_quality
from postmortems.services import MAX_FACTORS, MAX_INCIDENTS, MAX_WHYS

# --- templates and categories --------------------------------------------------------------------------


class TemplateSectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplateSection
        fields = ["key", "title", "guidance", "required", "order"]
        read_only_fields = fields


class PostmortemTemplateSerializer(serializers.ModelSerializer):
    sections = TemplateSectionSerializer(many=True, read_only=True)

    class Meta:
        model = PostmortemTemplate
        fields = ["id", "name", "slug", "description", "is_active", "version", "sections"]
        read_only_fields = fields


class ContributingFactorCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ContributingFactorCategory
        fields = ["id", "slug", "name", "description", "is_active"]
        read_only_fields = fields


# --- post-mortems: output ------------------------------------------------------------------------------


class IncidentSummarySerializer(serializers.ModelSerializer):
    severity = serializers.CharField(source="severity.name", read_only=True)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "reference", "title", "status", "severity", "is_restricted", "resolved_at"]
        read_only_fields = fields


class TemplateSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = PostmortemTemplate
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class SectionSerializer(serializers.ModelSerializer):
    body_html = serializers.SerializerMethodField(help_text="The body rendered to sanitised HTML.")

    class Meta:
        model = PostmortemSection
        fields = ["key", "title", "guidance", "required", "body", "body_html"]
        read_only_fields = fields

    def get_body_html(self, section: PostmortemSection) -> str:
        return render_markdown(section.body)


class FactorSerializer(serializers.Serializer):
    category = serializers.SlugField(source="category.slug", read_only=True)
    description = serializers.CharField(read_only=True)


class TimelineEntrySerializer(StrictModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=TimelineKind.choices, read_only=True)
    author = UserSummarySerializer(read_only=True, allow_null=True)
    starred = serializers.BooleanField(source="is_starred", read_only=True)
    assessment = enum_field(TimelineAssessment, "TimelineAssessmentEnum", read_only=True)
    edited = serializers.SerializerMethodField()

    class Meta:
        model = PostmortemTimelineEntry
        fields = [
            "id",
            "incident",
            "incident_reference",
            "source_event",
            "occurred_at",
            "kind",
            "author",
            "text",
            "original_text",
            "edited",
            "starred",
            "assessment",
            "annotation",
        ]
        read_only_fields = fields

    def get_edited(self, entry: PostmortemTimelineEntry) -> bool:
        return entry.source_event_id is not None and entry.text != entry.original_text


class ActionItemSummarySerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    priority = enum_field(ActionItemPriority, "ActionItemPriorityEnum", read_only=True)
    kind = enum_field(ActionItemKind, "ActionItemKindEnum", read_only=True)
    status = enum_field(ActionItemStatus, "ActionItemStatusEnum", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "title", "owner", "due_date", "priority", "kind", "status", "overdue"]
        read_only_fields = fields


class QualityFindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(help_text="What the finding is about, e.g. sections.root_cause.")


class QualitySerializer(serializers.Serializer):
    """What the quality gate found: errors block publishing, warnings do not."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # Declared here, not as class attributes: a field named "errors" would hide Serializer.errors.
        fields = super().get_fields()
        fields["errors"] = QualityFindingSerializer(many=True, help_text="Block publishing.")
        fields["warnings"] = QualityFindingSerializer(
            many=True, help_text="Worth a look; do not block publishing."
        )
        return fields


class ImpactSerializer(serializers.Serializer):
    severity = serializers.CharField(allow_null=True, help_text="The worst severity of the incidents.")
    started_at = serializers.DateTimeField(allow_null=True)
    detected_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.IntegerField(allow_null=True)
    time_to_detect_seconds = serializers.IntegerField(allow_null=True)
    time_to_acknowledge_seconds = serializers.IntegerField(allow_null=True)
    time_to_resolve_seconds = serializers.IntegerField(allow_null=True)
    services = serializers.ListField(child=serializers.CharField())
    customers_affected = serializers.IntegerField(allow_null=True)
    records_affected = serializers.IntegerField(allow_null=True)
    customers_affected_source = enum_field(
        ImpactSource,
        "ImpactSourceEnum",
        allow_null=True,
        help_text="The post-mortem's own figure, or the compliance assessment's data subjects.",
    )
    records_affected_source = enum_field(ImpactSource, "ImpactSourceEnum", allow_null=True)
    assessed_incidents = serializers.ListField(
        child=serializers.CharField(), help_text="Covered incidents that have a compliance assessment."
    )


class PostmortemSerializer(StrictModelSerializer):
    """What clients read about a post-mortem."""

    incidents = IncidentSummarySerializer(many=True, read_only=True)
    template = TemplateSummarySerializer(read_only=True)
    status = enum_field(PostmortemStatus, "PostmortemStatusEnum", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    owner = UserSummarySerializer(read_only=True)
    facilitator = UserSummarySerializer(read_only=True, allow_null=True)
    reviewers = UserSummarySerializer(many=True, read_only=True)
    sections = SectionSerializer(many=True, read_only=True)
    whys = serializers.ListField(child=serializers.CharField(), read_only=True)
    contributing_factors = FactorSerializer(source="factors", many=True, read_only=True)
    impact = serializers.SerializerMethodField()
    timeline = TimelineEntrySerializer(source="timeline_entries", many=True, read_only=True)
    action_items = ActionItemSummarySerializer(many=True, read_only=True)
    quality = serializers.SerializerMethodField()
    created_by = UserSummarySerializer(read_only=True)
    submitted_by = UserSummarySerializer(read_only=True, allow_null=True)
    published_by = UserSummarySerializer(read_only=True, allow_null=True)
    changes_requested_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Postmortem
        fields = [
            "id",
            "reference",
            "title",
            "incidents",
            "template",
            "template_version",
            "status",
            "allowed_actions",
            "owner",
            "facilitator",
            "reviewers",
            "sections",
            "whys",
            "contributing_factors",
            "no_action_items_reason",
            "customers_affected",
            "records_affected",
            "impact",
            "timeline",
            "action_items",
            "quality",
            "revision",
            "created_by",
            "created_at",
            "updated_at",
            "submitted_at",
            "submitted_by",
            "published_at",
            "published_by",
            "first_published_at",
            "changes_requested_at",
            "changes_requested_by",
            "changes_requested_comment",
            "version",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, postmortem: Postmortem) -> list[str]:
        return postmortem_actions_available(postmortem.status)

    @extend_schema_field(ImpactSerializer)
    def get_impact(self, postmortem: Postmortem) -> dict[str, Any]:
        return ImpactSerializer(postmortem_impact(postmortem)).data

    @extend_schema_field(QualitySerializer)
    def get_quality(self, postmortem: Postmortem) -> dict[str, Any]:
        return postmortem_quality(postmortem).as_dict()


class RevisionSerializer(serializers.ModelSerializer):
    published_by = UserSummarySerializer(read_only=True)
    snapshot = serializers.JSONField(read_only=True, help_text="The content as published.")

    class Meta:
        model = PostmortemRevision
        fields = ["number", "published_at", "published_by", "sha256", "snapshot", "markdown"]
        read_only_fields = fields


# --- post-mortems: input -------------------------------------------------------------------------------


class PostmortemCreateSerializer(serializers.Serializer):
    incidents = VisibleIncidentField(
        many=True, queryset=Incident.objects.none(), help_text="Resolved or closed incidents it covers."
    )
    template = IdOrSlugRelatedField(
        queryset=PostmortemTemplate.objects.filter(is_active=True), help_text="Template id or slug."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True, default=None, help_text="Default: you."
    )
    facilitator = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True, default=None
    )
    reviewers = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), many=True, required=False, default=list
    )

    def validate_incidents(self, incidents: list[Incident]) -> list[Incident]:
        if not incidents:
            raise serializers.ValidationError("Choose at least one incident.")
        if len(incidents) > MAX_INCIDENTS:
            raise serializers.ValidationError(f"At most {MAX_INCIDENTS} incidents.")
        return incidents


class FactorInputSerializer(serializers.Serializer):
    category = serializers.SlugField(max_length=40, help_text="A contributing-factor category slug.")
    description = serializers.CharField(max_length=5000)


class PostmortemUpdateSerializer(serializers.Serializer):
    """PATCH: only the fields sent change; lists are replaced as a whole."""

    title = serializers.CharField(required=False, max_length=200)
    sections = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=100_000, trim_whitespace=False),
        required=False,
        help_text='New Markdown bodies by section key, e.g. {"summary": "..."}.',
    )
    whys = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, max_length=MAX_WHYS
    )
    contributing_factors: serializers.ListSerializer = serializers.ListSerializer(
        child=FactorInputSerializer(), required=False, max_length=MAX_FACTORS
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=_active_users(), required=False)
    facilitator = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True
    )
    reviewers = serializers.PrimaryKeyRelatedField(queryset=_active_users(), many=True, required=False)
    no_action_items_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    customers_affected = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**15
    )
    records_affected = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**15
    )


class TransitionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class RequestChangesInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=5000, help_text="What the author should change (Markdown); the author sees it."
    )


class TimelineEntryCreateSerializer(serializers.Serializer):
    occurred_at = AwareDateTimeField()
    text = serializers.CharField(max_length=10_000)
    incident = VisibleIncidentField(
        queryset=Incident.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="One of the post-mortem's incidents.",
    )
    starred = serializers.BooleanField(required=False, default=False)
    assessment = enum_field(
        TimelineAssessment, "TimelineAssessmentEnum", required=False, default=TimelineAssessment.UNMARKED
    )
    annotation = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class TimelineEntryUpdateSerializer(serializers.Serializer):
    occurred_at = AwareDateTimeField(required=False)
    text = serializers.CharField(required=False, max_length=10_000)
    starred = serializers.BooleanField(required=False)
    assessment = enum_field(TimelineAssessment, "TimelineAssessmentEnum", required=False)
    annotation = serializers.CharField(required=False, allow_blank=True, max_length=5000)
