"""Compliance records: legal entities, assessments, obligations and regulator reports."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from compliance import validators
from compliance.choices import (
    ClockStart,
    DataSubjectExemption,
    DeadlineUnit,
    DecisionKind,
    ObligationStatus,
    ReminderKind,
    ReportStatus,
    RiskLevel,
)
from compliance.regimes import CustomRegimeError, CustomRegimeSpec
from incidents.models import Incident


class CustomRegime(models.Model):
    """An organisation's own notification rule (internal policy, a contract,
    card-brand rules) evaluated by the same engine as the statutory regimes."""

    code = models.CharField(
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z][A-Z0-9-]{1,39}$", "Use capitals, digits and dashes, e.g. VISA-CARD.")
        ],
    )
    name = models.CharField(max_length=120)
    recipient = models.CharField(max_length=200)
    clock_start = models.CharField(max_length=40, choices=ClockStart.choices, default=ClockStart.AWARE_AT)
    amount = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(10_000)])
    unit = models.CharField(max_length=20, choices=DeadlineUnit.choices)
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "An ISO 3166-1 alpha-2 code such as DE.")],
        help_text="Whose public holidays business days skip (required for business days).",
    )
    required_fields = models.JSONField(default=list, blank=True, help_text="Field keys a report must answer.")
    basis = models.CharField(max_length=300, help_text="Where the rule comes from (contract clause, policy).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        permissions = [("view_compliance", "Can read compliance data (obligations, assessments, assess)")]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def to_spec(self) -> CustomRegimeSpec:
        return CustomRegimeSpec(
            code=self.code,
            name=self.name,
            recipient=self.recipient,
            clock_start=self.clock_start,
            amount=self.amount,
            unit=self.unit,
            holiday_country=self.holiday_country or None,
            required_fields=tuple(self.required_fields or ()),
            basis=self.basis,
            active=self.is_active,
        )

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.required_fields, list) or not all(
            isinstance(key, str) and key.isidentifier() for key in self.required_fields
        ):
            raise ValidationError(
                {"required_fields": 'A list of field keys such as ["card_brand", "pan_count"].'}
            )
        try:
            self.to_spec().validate()
        except CustomRegimeError as exc:
            model_fields = {f.name for f in self._meta.fields}
            field = {"active": "is_active"}.get(exc.attribute, exc.attribute)
            raise ValidationError({field: exc.message} if field in model_fields else exc.message) from exc


class LegalEntity(models.Model):
    """A company of the group that regulators hold responsible: its country,
    time zone and designations decide which regimes apply and how deadlines count."""

    name = models.CharField(max_length=200, unique=True)
    lei = models.CharField(
        "LEI",
        max_length=20,
        blank=True,
        validators=[validators.validate_lei],
        help_text="Legal Entity Identifier (ISO 17442), checked when given.",
    )
    country = models.CharField(max_length=2, validators=[validators.validate_country])
    subdivision = models.CharField(max_length=6, blank=True, validators=[validators.validate_subdivision])
    timezone = models.CharField(max_length=64, validators=[validators.validate_timezone])
    designations = models.JSONField(default=list, blank=True, validators=[validators.validate_designations])
    custom_regimes = models.ManyToManyField(CustomRegime, blank=True, related_name="entities")
    dpo_contact = models.CharField("DPO / contact point", max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "legal entities"

    def __str__(self) -> str:
        return self.name


class CompetentAuthority(models.Model):
    """Who receives an entity's reports under one regime (or custom regime code)."""

    entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="authorities")
    regime = models.CharField(
        max_length=40, help_text="Regime code, e.g. GDPR, NIS2, DORA, or a custom regime code."
    )
    name = models.CharField(max_length=200)
    contact = models.CharField(max_length=300, blank=True)
    portal_url = models.URLField(blank=True)

    class Meta:
        ordering = ["entity", "regime"]
        verbose_name_plural = "competent authorities"
        constraints = [
            models.UniqueConstraint(fields=["entity", "regime"], name="one_authority_per_entity_regime")
        ]

    def __str__(self) -> str:
        return f"{self.regime}: {self.name}"


class Assessment(models.Model):
    """What compliance knows and decided about one incident: the facts the
    regime engine turns into obligations. Decisions live in AssessmentDecision
    so that every change of mind keeps its time, author and reason."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="assessment")
    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="assessments")
    personal_data_involved = models.BooleanField(default=False)
    risk = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.NONE)
    risk_rationale = models.TextField(blank=True, max_length=10_000)
    data_subjects = models.PositiveBigIntegerField(default=0, validators=[MaxValueValidator(10**10)])
    records = models.PositiveBigIntegerField(default=0, validators=[MaxValueValidator(10**12)])
    data_categories = models.TextField(
        blank=True, max_length=5000, help_text="Kinds of personal data involved."
    )
    subjects_by_jurisdiction = models.JSONField(
        default=dict, blank=True, validators=[validators.validate_jurisdiction_counts]
    )
    phi_involved = models.BooleanField("PHI involved", default=False)
    phi_secured = models.BooleanField(
        "PHI secured",
        default=False,
        help_text="Encrypted or destroyed per HHS guidance: not 'unsecured PHI'.",
    )
    hipaa_four_factor = models.JSONField(
        default=dict,
        blank=True,
        help_text="45 CFR 164.402(2): nature and extent, unauthorised person, acquired or viewed, mitigation.",
    )
    data_subject_exemption = models.CharField(max_length=30, choices=DataSubjectExemption.choices, blank=True)
    dora_criteria = models.JSONField(
        default=list, blank=True, help_text="Criteria met (Del. Reg. 2024/1772)."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Assessment of {self.incident.reference}"


class AssessmentDecision(models.Model):
    """One decision (significant, major, material...) as taken at a time, by someone, for a reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=30, choices=DecisionKind.choices)
    value = models.BooleanField()
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField(max_length=10_000)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment", "kind", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["assessment", "kind", "-recorded_at"], name="decision_latest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'yes' if self.value else 'no'}"


class Obligation(models.Model):
    """A notification an incident owes someone, as the regime engine computed it.

    Never deleted: when the facts change, the due time moves (with history)
    or the obligation is withdrawn with the reason. Overdue is derived."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="obligations")
    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="obligations")
    code = models.CharField(max_length=60)
    regime = models.CharField(max_length=40)
    recipient = models.CharField(max_length=200)
    clock_start = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True, blank=True)
    deadline_timezone = models.CharField(max_length=64)
    rule = models.CharField(max_length=500)
    basis = models.CharField(max_length=300)
    urgent = models.BooleanField(default=False)
    provisional = models.BooleanField(default=False)
    required_fields = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=ObligationStatus.choices, default=ObligationStatus.OPEN)
    status_reason = models.TextField(blank=True, max_length=10_000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [models.F("due_at").asc(nulls_last=True), "code"]
        constraints = [models.UniqueConstraint(fields=["incident", "code"], name="one_obligation_per_code")]
        indexes = [models.Index(fields=["status", "due_at"], name="obligation_status_due")]

    def __str__(self) -> str:
        return f"{self.code} for {self.incident.reference}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == ObligationStatus.OPEN and self.due_at is not None and self.due_at < timezone.now()
        )


class ObligationDueChange(models.Model):
    """A moved deadline: the old and new due times and why (never silent)."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="due_changes")
    old_due_at = models.DateTimeField(null=True)
    new_due_at = models.DateTimeField(null=True)
    reason = models.CharField(max_length=500)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.obligation_id}: {self.old_due_at} -> {self.new_due_at}"


class ObligationReminder(models.Model):
    """A reminder that was sent; the unique constraint makes each one happen once."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    due_at = models.DateTimeField(null=True, help_text="The due time the reminder was about.")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "kind", "due_at"], name="one_reminder_per_kind_and_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for obligation {self.obligation_id}"


def report_pdf_path(instance: RegulatorReport, filename: str) -> str:
    return f"reports/{timezone.now():%Y/%m}/report-{instance.pk}-{instance.pdf_sha256[:16]}.pdf"


class RegulatorReport(models.Model):
    """A report to a regulator, drafted, reviewed, approved by a second person
    and submitted. Once submitted it is frozen (database trigger) and its PDF
    is kept exactly as sent; an amendment is a new report that supersedes it."""

    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="reports")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="regulator_reports")
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    fields = models.JSONField(default=dict, blank=True)
    #: Print the incident timeline lines marked "for regulators" (off by default).
    include_timeline = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_for_review_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True, max_length=10_000)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    #: The timeline lines the approver saw in the preview (``regulator_timeline`` at approval).
    #: Submission refuses to print others; null for approvals recorded before this was kept.
    approved_timeline = models.JSONField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submission_reference = models.CharField(max_length=200, blank=True)
    pdf = models.FileField(upload_to=report_pdf_path, blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.PositiveIntegerField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "-updated_at"], name="report_status_updated")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.SUBMITTED)
                | (Q(submitted_at__isnull=False) & ~Q(pdf_sha256="")),
                name="submitted_report_has_time_and_pdf",
            ),
            models.CheckConstraint(
                condition=Q(approver__isnull=True) | ~Q(approver=models.F("author")),
                name="report_approver_is_not_author",
            ),
        ]
        permissions = [
            ("approve_regulatorreport", "Can approve a regulator report written by someone else"),
            ("submit_regulatorreport", "Can submit an approved regulator report"),
        ]

    def __str__(self) -> str:
        return f"{self.obligation.code} report for {self.incident.reference}"


class CalendarFeedToken(models.Model):
    """A per-user secret for the deadline feed (calendar apps cannot log in).
    Only a hash is kept; rotating replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
