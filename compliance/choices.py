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
