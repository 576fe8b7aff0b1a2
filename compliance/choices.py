from django.db import models


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", "Hours"
    CALENDAR_DAYS = "calendar_days", "Calendar days"
    BUSINESS_DAYS = "business_days", "Business days"


class ClockStart(models.TextChoices):
    """The facts time stamps that can start a clock (RULES.md section 5)."""

    AWARE_AT = "aware_at", "Became aware"
    CLASSIFIED_MAJOR_AT = "classified_major_at", "Classified as major"
    MATERIALITY_DETERMINED_AT = "materiality_determined_at", "Materiality determined"
    INCIDENT_DETERMINED_AT = "incident_determined_at", "Incident determined"
    NOTIFIABLE_ASSESSED_AT = "notifiable_assessed_at", "Assessed as notifiable"
    RANSOM_PAID_AT = "ransom_paid_at", "Ransom paid"
    HANDLING_ENDED_AT = "handling_ended_at", "Handling ended"


class RiskLevel(models.TextChoices):
    """Risk to the people whose data is involved (RULES.md section 5 values)."""

    NONE = "none", "None: unlikely to result in a risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class DataSubjectExemption(models.TextChoices):
    """GDPR Art. 34(3) grounds for not telling data subjects."""

    ENCRYPTION = "encryption", "Data unintelligible to others (e.g. encrypted) - Art. 34(3)(a)"
    SUBSEQUENT_MEASURES = "subsequent-measures", "High risk no longer likely - Art. 34(3)(b)"
    DISPROPORTIONATE_EFFORT = (
        "disproportionate-effort",
        "Disproportionate effort, public notice - Art. 34(3)(c)",
    )


class DecisionKind(models.TextChoices):
    """Decisions that start regulatory clocks, each recorded with its time, author and reason."""

    SIGNIFICANT = "significant", "Significant incident (NIS2)"
    MAJOR = "major", "Major ICT-related incident (DORA)"
    MATERIAL = "material", "Material cybersecurity incident (SEC)"
    INCIDENT_DETERMINED = "incident_determined", "Cybersecurity incident determined (NYDFS, PIPEDA)"
    NOTIFIABLE = "notifiable", "Notifiable data breach assessed (PDPA)"
    RANSOM_PAID = "ransom_paid", "Extortion payment made (NYDFS)"


#: decision -> the facts time stamp it sets when positive (None: a flag only)
DECISION_TIME_FIELD: dict[str, str] = {
    DecisionKind.MAJOR: "classified_major_at",
    DecisionKind.MATERIAL: "materiality_determined_at",
    DecisionKind.INCIDENT_DETERMINED: "incident_determined_at",
    DecisionKind.NOTIFIABLE: "notifiable_assessed_at",
    DecisionKind.RANSOM_PAID: "ransom_paid_at",
}
#: decision -> the facts flag it sets
DECISION_FLAG: dict[str, str] = {
    DecisionKind.SIGNIFICANT: "significant",
    DecisionKind.MAJOR: "major",
    DecisionKind.MATERIAL: "material",
}


class DoraCriterion(models.TextChoices):
    """Classification criteria of Delegated Regulation (EU) 2024/1772 (Art. 1-8)."""

    CRITICAL_SERVICES = "critical_services", "Critical services affected (Art. 6)"
    MALICIOUS_ACCESS = (
        "malicious_access",
        "Malicious unauthorised access that may lead to data losses (Art. 8(1)(a))",
    )
    CLIENTS = "clients", "Clients, financial counterparts and transactions thresholds (Art. 1)"
    REPUTATION = "reputation", "Reputational impact (Art. 2)"
    DURATION = "duration", "Duration and service downtime thresholds (Art. 3)"
    GEOGRAPHY = "geography", "Geographical spread: two or more Member States (Art. 4)"
    DATA_LOSSES = "data_losses", "Data losses (Art. 5)"
    ECONOMIC = "economic", "Economic impact above EUR 100,000 (Art. 7)"


class ObligationStatus(models.TextChoices):
    OPEN = "open", "Open"
    FULFILLED = "fulfilled", "Fulfilled"
    NOT_REQUIRED = "not_required", "Not required"
    WITHDRAWN = "withdrawn", "Withdrawn (no longer applies)"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SUBMITTED = "submitted", "Submitted"


class ReportAction(models.TextChoices):
    SUBMIT_FOR_REVIEW = "submit_for_review", "Submit for review"
    REQUEST_CHANGES = "request_changes", "Request changes"
    APPROVE = "approve", "Approve"
    WITHDRAW = "withdraw", "Withdraw approval"
    SUBMIT = "submit", "Submit to the regulator"


#: action -> (status it starts from, status it leads to)
REPORT_TRANSITIONS: dict[str, tuple[str, str]] = {
    ReportAction.SUBMIT_FOR_REVIEW: (ReportStatus.DRAFT, ReportStatus.IN_REVIEW),
    ReportAction.REQUEST_CHANGES: (ReportStatus.IN_REVIEW, ReportStatus.DRAFT),
    ReportAction.APPROVE: (ReportStatus.IN_REVIEW, ReportStatus.APPROVED),
    ReportAction.WITHDRAW: (ReportStatus.APPROVED, ReportStatus.DRAFT),
    ReportAction.SUBMIT: (ReportStatus.APPROVED, ReportStatus.SUBMITTED),
}
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(target for source, target in REPORT_TRANSITIONS.values() if source == status)
    for status in ReportStatus.values
}


class ReminderKind(models.TextChoices):
    DUE_IN_24H = "due_24h", "Due within 24 hours"
    DUE_IN_4H = "due_4h", "Due within 4 hours"
    OVERDUE = "overdue", "Overdue"
