"""Serializers of stakeholder templates and communications."""

from __future__ import annotations

from rest_framework import serializers

from incidents.choices import Audience, Channel
from incidents.models import (
    Category,
    Communication,
    Severity,
    StakeholderTemplate,
    StakeholderTemplateVersion,
)
from incidents.models.communications import MAX_BODY_TEMPLATE_CHARS, MAX_SUBJECT_TEMPLATE_CHARS
from incidents.services.communications import MAX_RECIPIENTS, TEMPLATE_VARIABLES
from incidents.validators import language_validator
from portal.api.fields import AwareDateTimeField, UserSummarySerializer

_VARIABLES_HELP = "Jinja2, rendered in a sandbox. Variables: " + ", ".join(TEMPLATE_VARIABLES) + "."


class StakeholderTemplateSerializer(serializers.ModelSerializer):
    categories: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    severities: serializers.SlugRelatedField[Severity] = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    updated_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = StakeholderTemplate
        fields = [
            "id",
            "name",
            "audience",
            "channel",
            "language",
            "subject_template",
            "body_template",
            "categories",
            "severities",
            "is_active",
            "version",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields


class StakeholderTemplateWriteSerializer(serializers.Serializer):
    """Checked on save: unsafe or broken templates are refused with the reason (400)."""

    name = serializers.CharField(max_length=120)
    audience = serializers.ChoiceField(choices=Audience.choices)
    channel = serializers.ChoiceField(
        choices=Channel.choices, help_text="Email bodies are HTML and autoescaped."
    )
    language = serializers.CharField(
        max_length=16, required=False, default="en", validators=[language_validator]
    )
    subject_template = serializers.CharField(
        max_length=MAX_SUBJECT_TEMPLATE_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text=_VARIABLES_HELP,
    )
    body_template = serializers.CharField(
        max_length=MAX_BODY_TEMPLATE_CHARS, trim_whitespace=False, help_text=_VARIABLES_HELP
    )
    categories = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), many=True, required=False, help_text="None: all."
    )
    severities = serializers.SlugRelatedField(
        slug_field="name", queryset=Severity.objects.all(), many=True, required=False, help_text="None: all."
    )
    is_active = serializers.BooleanField(required=False, default=True)


class StakeholderTemplateVersionSerializer(serializers.ModelSerializer):
    saved_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = StakeholderTemplateVersion
        fields = [
            "version",
            "name",
            "audience",
            "channel",
            "language",
            "subject_template",
            "body_template",
            "categories",
            "severities",
            "is_active",
            "saved_by",
            "saved_at",
        ]
        read_only_fields = fields


class PreviewInputSerializer(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1, max_value=2**62, help_text="An incident you can see.")
    next_update_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class RenderedMessageSerializer(serializers.Serializer):
    subject = serializers.CharField()
    body = serializers.CharField()
    is_html = serializers.BooleanField()


class CommunicationSerializer(serializers.ModelSerializer):
    template = serializers.SerializerMethodField()
    sender = UserSummarySerializer(read_only=True)

    class Meta:
        model = Communication
        fields = [
            "id",
            "audience",
            "channel",
            "language",
            "template",
            "template_version",
            "recipients",
            "subject",
            "body",
            "is_html",
            "next_update_at",
            "sender",
            "sent_at",
            "delivery_status",
            "delivered_at",
            "delivery_error",
        ]
        read_only_fields = fields

    def get_template(self, communication: Communication) -> str | None:
        return communication.template.name if communication.template else None


class CommunicationInputSerializer(serializers.Serializer):
    template = serializers.PrimaryKeyRelatedField(queryset=StakeholderTemplate.objects.filter(is_active=True))
    audience = serializers.ChoiceField(
        choices=Audience.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the template's.",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the template's.",
    )
    recipients = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=list,
        max_length=MAX_RECIPIENTS,
        help_text="Email addresses (email), phone numbers (SMS), postal addresses (letter); none for a status page.",
    )
    next_update_at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="When stakeholders will hear from you next."
    )
