from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.applicability import applicability_for
from compliance.choices import DataSubjectExemption, DecisionKind, DoraCriterion, RiskLevel
from compliance.facts import current_decisions, facts_for
from compliance.models import (
    Assessment,
    AssessmentDecision,
    CompetentAuthority,
    CustomRegime,
    LegalEntity,
    Obligation,
    ObligationDueChange,
    RegulatorReport,
)
from compliance.regimes import DESIGNATION_CATALOGUE
from compliance.report_fields import (
    MAX_FIELD_CHARS,
    MAX_FIELDS,
    field_info,
    report_missing_fields,
    report_required_fields,
)
from compliance.services.assessments import ASSESSMENT_FIELDS
from incidents.models import Incident
from portal.api.fields import AwareDateTimeField, StrictModelSerializer, UserSummarySerializer

HIPAA_FACTORS = ("nature_and_extent", "unauthorised_person", "acquired_or_viewed", "mitigation")


class CompetentAuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetentAuthority
        fields = ["id", "regime", "name", "contact", "portal_url"]


class DesignationsField(serializers.ListField):
    """The entity's designation codes: each one a code of the engine's designation catalogue."""

    child = serializers.ChoiceField(
        choices=[(info.code, info.label) for info in DESIGNATION_CATALOGUE],
        error_messages={"invalid_choice": 'Unknown designation "{input}".'},
    )

    def to_internal_value(self, data: Any) -> list[str]:
        return list(dict.fromkeys(super().to_internal_value(data)))


class DesignationInfoSerializer(serializers.Serializer):
    """One code of the engine's designation catalogue."""

    code = serializers.CharField()
    # The serializer metaclass takes declared fields off the class, so this shadows no Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField(help_text="One line: what the designation means for the regimes.")
    regime = serializers.CharField(help_text="The regime code it concerns, e.g. CA-1798.82.")


class LegalEntitySerializer(StrictModelSerializer):
    designations = DesignationsField(
        required=False,
        max_length=len(DESIGNATION_CATALOGUE),
        help_text="Designation codes, e.g. gdpr-controller, ca-business; each decides a regime (see the "
        "applicability of an assessment).",
    )
    custom_regimes = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=CustomRegime.objects.all(), required=False
    )
    authorities = CompetentAuthoritySerializer(many=True, read_only=True)

    class Meta:
        model = LegalEntity
        fields = [
            "id",
            "name",
            "lei",
            "country",
            "subdivision",
            "timezone",
            "designations",
            "custom_regimes",
            "dpo_contact",
            "is_active",
            "authorities",
        ]


class CustomRegimeSerializer(StrictModelSerializer):
    class Meta:
        model = CustomRegime
        fields = [
            "id",
            "code",
            "name",
            "recipient",
            "clock_start",
            "amount",
            "unit",
            "holiday_country",
            "required_fields",
            "basis",
            "is_active",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = CustomRegime(**{**(self._current() if self.instance else {}), **attrs})
        instance.clean()
        return attrs

    def _current(self) -> dict[str, Any]:
        return {field: getattr(self.instance, field) for field in self.Meta.fields if field != "id"}


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = AssessmentDecision
        fields = ["id", "kind", "value", "decided_at", "decided_by", "rationale", "recorded_at"]


class DecisionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    value = serializers.BooleanField()
    decided_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    rationale = serializers.CharField(max_length=10_000)


class AssessmentSerializer(StrictModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    entity_name = serializers.CharField(source="entity.name", read_only=True)
    updated_by = UserSummarySerializer(read_only=True)
    decisions = serializers.SerializerMethodField()
    decision_history = DecisionSerializer(source="decisions", many=True, read_only=True)
    dora_major_suggested = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "incident",
            "incident_reference",
            "entity",
            "entity_name",
            "personal_data_involved",
            "risk",
            "risk_rationale",
            "data_subjects",
            "records",
            "data_categories",
            "subjects_by_jurisdiction",
            "phi_involved",
            "phi_secured",
            "hipaa_four_factor",
            "data_subject_exemption",
            "dora_criteria",
            "dora_major_suggested",
            "decisions",
            "decision_history",
            "version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    def get_decisions(self, assessment: Assessment) -> dict[str, Any]:
        return {
            kind: DecisionSerializer(decision).data
            for kind, decision in current_decisions(assessment).items()
        }

    def get_dora_major_suggested(self, assessment: Assessment) -> bool:
        return dora_major_suggested(assessment.dora_criteria)


class ApplicabilitySerializer(serializers.Serializer):
    """The engine's verdict on one regime (catalogue code or custom regime code)."""

    regime = serializers.CharField(help_text="Regime code as in RULES.md, e.g. CA-1798.82, or a custom code.")
    name = serializers.CharField()
    applies = serializers.BooleanField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="Plain-language reasons naming the facts and designations that decided it; for a regime "
        "that does not apply, what would make it apply.",
    )
    obligations = serializers.ListField(
        child=serializers.CharField(), help_text="Obligation codes it produces."
    )
    warning = serializers.BooleanField(
        help_text="Near miss: people of the regime's jurisdiction are affected and only a designation keeps "
        "it out."
    )
    warning_text = serializers.CharField(allow_null=True)
    would_apply_if = serializers.ListField(child=serializers.CharField())
    displaced_by = serializers.CharField(
        allow_null=True, help_text="The regime that displaces this one (lex specialis), e.g. DORA for NIS2."
    )


class AssessmentDetailSerializer(AssessmentSerializer):
    """One assessment, with the facts the regime engine sees and its verdict on every regime
    (engine runs and more queries per row, so detail only)."""

    facts = serializers.SerializerMethodField()
    applicability = serializers.SerializerMethodField()

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "facts", "applicability"]
        read_only_fields = fields

    def get_facts(self, assessment: Assessment) -> dict[str, Any]:
        return facts_for(assessment)

    @extend_schema_field(ApplicabilitySerializer(many=True))
    def get_applicability(self, assessment: Assessment) -> list[dict[str, Any]]:
        return [dict(item) for item in applicability_for(assessment)]


def dora_major_suggested(criteria: list[str]) -> bool:
    """Del. Reg. (EU) 2024/1772 Art. 8(1): critical services affected, and either
    malicious access that may lead to data losses or two other criteria met."""
    met = set(criteria)
    others = met - {DoraCriterion.CRITICAL_SERVICES, DoraCriterion.MALICIOUS_ACCESS}
    return DoraCriterion.CRITICAL_SERVICES in met and (
        DoraCriterion.MALICIOUS_ACCESS in met or len(others) >= 2
    )


class AssessmentWriteSerializer(StrictModelSerializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all(), required=False)
    entity = serializers.PrimaryKeyRelatedField(
        queryset=LegalEntity.objects.filter(is_active=True), required=False
    )
    risk = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    data_subject_exemption = serializers.ChoiceField(
        choices=DataSubjectExemption.choices, required=False, allow_blank=True
    )
    dora_criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=DoraCriterion.choices), required=False, max_length=20
    )
    subjects_by_jurisdiction = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10**10), required=False
    )
    hipaa_four_factor = serializers.DictField(required=False)
    decisions = DecisionInputSerializer(many=True, required=False, write_only=True)

    class Meta:
        model = Assessment
        fields = ["incident", *ASSESSMENT_FIELDS, "decisions"]
        extra_kwargs = {"data_subjects": {"max_value": 10**10}, "records": {"max_value": 10**12}}

    def validate_hipaa_four_factor(self, value: dict[str, Any]) -> dict[str, Any]:
        allowed = {*HIPAA_FACTORS, "low_probability_of_compromise"}
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown factor(s): {', '.join(unknown)}; use {', '.join(sorted(allowed))}."
            )
        for key in HIPAA_FACTORS:
            if key in value and not isinstance(value[key], str):
                raise serializers.ValidationError(f"{key}: a text.")
        if "low_probability_of_compromise" in value and not isinstance(
            value["low_probability_of_compromise"], bool
        ):
            raise serializers.ValidationError("low_probability_of_compromise: true or false.")
        return value

    def validate_dora_criteria(self, value: list[str]) -> list[str]:
        return sorted(set(value))


class ObligationDueChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ObligationDueChange
        fields = ["old_due_at", "new_due_at", "reason", "changed_at"]


class ObligationSerializer(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    entity_name = serializers.CharField(source="entity.name", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    decided_by = UserSummarySerializer(read_only=True)
    due_changes = ObligationDueChangeSerializer(many=True, read_only=True)
    reports = serializers.SerializerMethodField()

    class Meta:
        model = Obligation
        fields = [
            "id",
            "incident",
            "incident_reference",
            "entity",
            "entity_name",
            "code",
            "regime",
            "recipient",
            "clock_start",
            "due_at",
            "deadline_timezone",
            "status",
            "status_reason",
            "overdue",
            "urgent",
            "provisional",
            "rule",
            "basis",
            "required_fields",
            "decided_by",
            "decided_at",
            "due_changes",
            "reports",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_reports(self, obligation: Obligation) -> list[dict[str, Any]]:
        return [{"id": report.pk, "status": report.status} for report in obligation.reports.all()]


class RationaleInputSerializer(serializers.Serializer):
    rationale = serializers.CharField(max_length=10_000)


class RegulatorReportSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    reviewer = UserSummarySerializer(read_only=True)
    approver = UserSummarySerializer(read_only=True)
    submitted_by = UserSummarySerializer(read_only=True)
    code = serializers.CharField(source="obligation.code", read_only=True)
    required_fields = serializers.SerializerMethodField()
    missing_fields = serializers.SerializerMethodField()
    field_labels = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(source="obligation.due_at", read_only=True)

    class Meta:
        model = RegulatorReport
        fields = [
            "id",
            "obligation",
            "incident",
            "code",
            "status",
            "fields",
            "include_timeline",
            "required_fields",
            "missing_fields",
            "field_labels",
            "version",
            "author",
            "reviewer",
            "approver",
            "submitted_by",
            "created_at",
            "updated_at",
            "submitted_for_review_at",
            "reviewed_at",
            "review_comment",
            "approved_at",
            "submitted_at",
            "submission_reference",
            "pdf_sha256",
            "pdf_size",
            "content_sha256",
            "supersedes",
            "superseded_by",
            "due_at",
        ]
        read_only_fields = fields

    def get_required_fields(self, report: RegulatorReport) -> list[str]:
        return report_required_fields(report)

    def get_missing_fields(self, report: RegulatorReport) -> list[str]:
        return report_missing_fields(report)

    def get_field_labels(self, report: RegulatorReport) -> dict[str, dict[str, str]]:
        keys = dict.fromkeys([*report_required_fields(report), *report.fields])
        return {key: {"label": field_info(key).label, "guidance": field_info(key).guidance} for key in keys}

    def get_superseded_by(self, report: RegulatorReport) -> int | None:
        return getattr(getattr(report, "superseded_by", None), "pk", None)


class ReportCreateSerializer(serializers.Serializer):
    obligation = serializers.PrimaryKeyRelatedField(queryset=Obligation.objects.all())
    supersedes = serializers.PrimaryKeyRelatedField(
        queryset=RegulatorReport.objects.all(), required=False, allow_null=True, default=None
    )


class ReportFieldsSerializer(serializers.Serializer):
    # The serializer metaclass takes declared fields off the class, so this shadows no Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.CharField(allow_blank=True, max_length=MAX_FIELD_CHARS),
        required=False,
        default=dict,
    )
    include_timeline = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate_fields(self, value: dict[str, str]) -> dict[str, str]:
        # Which keys a report may hold, and the total, are checked at save against the report.
        if len(value) > MAX_FIELDS:
            raise serializers.ValidationError(
                f"A report holds at most {MAX_FIELDS} fields, {len(value)} were sent."
            )
        return value


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")


class SubmitInputSerializer(serializers.Serializer):
    submission_reference = serializers.CharField(max_length=200)
    submitted_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class FeedUrlSerializer(serializers.Serializer):
    url = serializers.CharField()
