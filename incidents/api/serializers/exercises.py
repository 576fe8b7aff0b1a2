"""Serializers of exercises and the yearly exercise report."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from incidents.api.serializers.incidents import PlaybookSummarySerializer, TeamSummarySerializer
from incidents.choices import ExerciseType
from incidents.models import Category, Exercise, Incident, Playbook, Severity, Team
from incidents.validators import MAX_ITEM_CHARS, MAX_LIST_ITEMS
from portal.api.fields import AwareDateTimeField, UserSummarySerializer


class IncidentReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = ["id", "reference"]


class ExerciseSerializer(serializers.ModelSerializer):
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    playbook = PlaybookSummarySerializer(read_only=True, allow_null=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)
    participants = UserSummarySerializer(many=True, read_only=True)
    incident = IncidentReferenceSerializer(read_only=True, allow_null=True)
    is_conducted = serializers.BooleanField(read_only=True)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Exercise
        fields = [
            "id",
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
            "is_conducted",
            "incident",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


def _text_list() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=MAX_ITEM_CHARS), required=False, max_length=MAX_LIST_ITEMS
    )


class ExerciseWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    exercise_type = serializers.ChoiceField(choices=ExerciseType.choices)
    scenario = serializers.CharField(max_length=20_000)
    objectives = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    playbook = serializers.PrimaryKeyRelatedField(
        queryset=Playbook.objects.all(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    participants = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), many=True, required=False
    )
    external_participants = _text_list()
    findings = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    follow_up_actions = _text_list()
    scheduled_for = AwareDateTimeField(required=False, allow_null=True)
    conducted_at = AwareDateTimeField(required=False, allow_null=True)
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.none(),
        required=False,
        allow_null=True,
        help_text="The practice incident (flagged is_exercise) it was run through.",
    )

    def __init__(self, *args: Any, incidents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if incidents is not None:
            # Only practice incidents the writer can see exist for this field.
            field = self.fields["incident"]
            assert isinstance(field, serializers.PrimaryKeyRelatedField)  # declared above
            # The stubs type ``queryset`` as also a Manager, and mypy then checks the assignment
            # against Manager.__get__ (a descriptor on the model class, not on a field): a false positive.
            field.queryset = incidents.filter(is_exercise=True)  # type: ignore[arg-type]


class ExerciseStartSerializer(serializers.Serializer):
    severity = serializers.PrimaryKeyRelatedField(
        queryset=Severity.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the playbook's minimum severity.",
    )


class ExerciseReportQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ExerciseReportRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    exercise_type = serializers.ChoiceField(choices=ExerciseType.choices)
    exercise_type_label = serializers.CharField()
    scenario = serializers.CharField()
    objectives = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    playbook = serializers.CharField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    participants = serializers.ListField(child=serializers.CharField())
    external_participants = serializers.ListField(child=serializers.CharField())
    findings = serializers.CharField()
    follow_up_actions = serializers.ListField(child=serializers.CharField())
    scheduled_for = serializers.DateTimeField()
    conducted_at = serializers.DateTimeField(allow_null=True)
    incident = serializers.CharField(allow_null=True)


class ExerciseReportSummarySerializer(serializers.Serializer):
    conducted = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    by_type = serializers.DictField(child=serializers.IntegerField())
    categories_practised = serializers.ListField(child=serializers.CharField())
    playbooks_practised = serializers.ListField(child=serializers.CharField())
    teams_practised = serializers.ListField(child=serializers.CharField())
    participants = serializers.IntegerField()
    follow_up_actions = serializers.IntegerField()


class ExerciseReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    organisation = serializers.CharField()
    summary = ExerciseReportSummarySerializer()
    conducted = ExerciseReportRowSerializer(many=True)
    scheduled = ExerciseReportRowSerializer(many=True)
