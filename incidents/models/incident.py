"""Incident records and the configuration they are classified by."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from incidents.choices import IncidentStatus, TimelineKind

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #d32f2f.")
_ONE_YEAR_MINUTES = 525_600


class Severity(models.Model):
    """How bad an incident is; rank 1 is the most severe. The targets drive
    escalation and the "within target" figures of the KPIs."""

    name = models.CharField(max_length=30, unique=True)
    rank = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#616161", validators=[colour_validator])
    acknowledge_target_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(_ONE_YEAR_MINUTES)]
    )
    resolve_target_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(_ONE_YEAR_MINUTES)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["rank"]
        verbose_name_plural = "severities"
        constraints = [
            models.CheckConstraint(
                condition=Q(resolve_target_minutes__gte=F("acknowledge_target_minutes")),
                name="severity_resolve_after_acknowledge",
                violation_error_message="The resolve target cannot be shorter than the acknowledge target.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A system or business service that incidents can affect."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    owner = models.CharField(max_length=100, blank=True, help_text="Owning team or person.")
    tier = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(4)], help_text="1 = business critical."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IncidentRole(models.Model):
    """A seat of the incident management team (Incident Commander, Scribe...)."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ReferenceCounter(models.Model):
    """Last incident number handed out per year (row-locked while incremented)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Incident(models.Model):
    """One incident (or exercise), from declaration to closure.

    The status and the per-transition stamps are written only by
    ``incidents.services``; ``version`` increases on every change so that
    clients can detect concurrent edits.
    """

    reference = models.CharField(max_length=24, unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents")
    services = models.ManyToManyField(Service, blank=True, related_name="incidents")
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED, editable=False
    )
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When the incident started.")
    detected_at = models.DateTimeField(default=timezone.now, help_text="When it was detected.")
    aware_at = models.DateTimeField(
        null=True, blank=True, help_text="When the organisation became aware (starts most regulatory clocks)."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    contained_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    declined_at = models.DateTimeField(null=True, blank=True, editable=False)
    reopened_at = models.DateTimeField(null=True, blank=True, editable=False)
    inferred_stamps = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=(
            "Lifecycle stamps nobody reported, taken from a later step (a vendor resolve for an incident "
            "nobody acknowledged); the real time replaces them when it arrives."
        ),
    )
    is_restricted = models.BooleanField(
        default=False, help_text="Visible only to the response team, compliance officers and administrators."
    )
    is_exercise = models.BooleanField(
        default=False, help_text="A drill or tabletop exercise: no regulatory clocks, not in the KPIs."
    )
    team = models.ForeignKey(
        "incidents.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        help_text="The response team pulled in; its role holders are assigned by rule.",
    )
    playbook = models.ForeignKey(
        "incidents.Playbook",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        editable=False,
        help_text="The playbook whose tasks, escalations and communication guidelines apply.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_created"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [
            models.Index(fields=["status", "severity", "-detected_at"], name="incident_status_sev_detected"),
            models.Index(fields=["-detected_at", "-id"], name="incident_detected"),
            models.Index(fields=["category", "-detected_at"], name="incident_category_detected"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(occurred_at__isnull=True) | Q(occurred_at__lte=F("detected_at")),
                name="incident_occurred_before_detected",
                violation_error_message="The incident cannot have occurred after it was detected.",
            ),
            models.CheckConstraint(
                condition=Q(aware_at__isnull=True) | Q(aware_at__gte=F("detected_at")),
                name="incident_aware_after_detected",
                violation_error_message="Awareness cannot come before detection.",
            ),
        ]
        permissions = [
            ("view_restricted_incident", "Can see every restricted incident"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class RoleAssignment(models.Model):
    """Who held which incident role, and when: never deleted, only ended."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(IncidentRole, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_roles"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident_restricted = models.BooleanField(
        default=False,
        editable=False,
        help_text=(
            "The incident's is_restricted, set by the database on every write (incidents/kpi_rollup.py): "
            "a reader's own restricted incidents are found from these seats alone."
        ),
    )

    class Meta:
        ordering = ["role__order", "-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role"],
                condition=Q(ended_at__isnull=True),
                name="one_active_holder_per_incident_role",
            )
        ]
        indexes = [
            models.Index(fields=["user", "incident"], name="roleassignment_user_incident"),
            models.Index(
                fields=["user", "incident"],
                condition=Q(ended_at__isnull=True, incident_restricted=True),
                name="roleassignment_restricted_seat",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} on {self.incident_id}: {self.user}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class TimelineEvent(models.Model):
    """One line of an incident's story; most are written by services."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=20, choices=TimelineKind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=10_000)
    data = models.JSONField(default=dict, blank=True)
    #: Marked by someone as fit for a regulator: only such lines may be printed
    #: in a regulator report that includes the timeline.
    for_regulators = models.BooleanField(default=False)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["incident", "occurred_at", "id"], name="timeline_incident_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


#: File name suffixes that browsers, viewers or desktops run or render as active content.
ACTIVE_SUFFIXES = frozenset(
    ["htm", "html", "shtml", "xhtml", "xht", "mht", "mhtml", "svg", "svgz", "js", "mjs", "cjs", "xml", "xsl", "xslt", "rss", "atom", "css", "php", "phtml", "asp", "aspx", "jsp", "hta", "swf", "vbs", "vbe", "wsf", "ps1", "bat", "cmd", "sh", "url", "webloc", "desktop"]
)


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never derives from the client's file name.
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    """A file attached to an incident, kept with the hash taken on upload
    so that its integrity can be shown to an auditor later."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.TextField(blank=True, max_length=2000)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.incident_id})"

    def download_name(self) -> str:
        """The name a download is saved under: text whose name claims an active type (.html,
        .svg, .js, ...) gets ``.txt`` added, so that no browser or desktop opens it as a page or a script."""
        name = self.original_name or "evidence"
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if self.content_type.startswith("text/") and suffix in ACTIVE_SUFFIXES:
            return f"{name}.txt"
        return name
