"""The response plan: teams and their roster, playbooks, tasks and escalations."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from incidents.choices import Audience, EscalationKind, Milestone, TaskStatus
from incidents.validators import phone_validator, validate_email_list

_ONE_YEAR_MINUTES = 525_600
_minutes = [MinValueValidator(1), MaxValueValidator(_ONE_YEAR_MINUTES)]


class TeamType(models.Model):
    """Kinds of team (central, distributed, coordinating, CSIRT, crisis management...), editable."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A standing response team: who may hold which incident role, who
    deputises, and whom to escalate to when targets are missed."""

    name = models.CharField(max_length=100, unique=True)
    team_type = models.ForeignKey(TeamType, on_delete=models.PROTECT, related_name="teams")
    description = models.TextField(blank=True, max_length=5000)
    email = models.EmailField(
        blank=True, help_text="The team's shared mailbox; also the contact for stakeholders."
    )
    phone = models.CharField(max_length=40, blank=True, validators=[phone_validator])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships"
    )
    roles = models.ManyToManyField(
        "incidents.IncidentRole",
        blank=True,
        related_name="+",
        help_text="The incident roles this member can hold.",
    )
    phone = models.CharField(max_length=40, blank=True, validators=[phone_validator])
    is_available = models.BooleanField(
        default=True, help_text="Untick while the member is away: deputies step in for their roles."
    )

    class Meta:
        ordering = ["team", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.user} ({self.team})"

    @property
    def can_serve(self) -> bool:
        return self.is_available and self.user.is_active


class TeamRoleCover(models.Model):
    """Who takes an incident role when the team is pulled in: the primary, else the deputy."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="role_covers")
    role = models.ForeignKey("incidents.IncidentRole", on_delete=models.PROTECT, related_name="+")
    # RESTRICT: a member who covers a role cannot be removed on their own, but a deleted team takes all along.
    primary = models.ForeignKey(TeamMember, on_delete=models.RESTRICT, related_name="+")
    deputy = models.ForeignKey(TeamMember, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")

    class Meta:
        ordering = ["team", "role__order"]
        constraints = [
            models.UniqueConstraint(fields=["team", "role"], name="team_role_cover_once"),
            models.CheckConstraint(
                condition=~Q(primary=F("deputy")),
                name="team_role_cover_deputy_differs",
                violation_error_message="The deputy must be someone other than the primary.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} in {self.team}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("primary", "deputy"):
            member = getattr(self, field)
            if member is None:
                continue
            if self.team_id is not None and member.team_id != self.team_id:
                errors[field] = "Pick a member of this team."
            elif (
                member.pk is not None
                and self.role_id is not None
                and not member.roles.filter(pk=self.role_id).exists()
            ):
                errors[field] = f"{member.user} is not listed as able to hold this role."
        if errors:
            raise ValidationError(errors)


class EscalationContact(models.Model):
    """Someone outside the responders who is told when an incident misses its targets."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="escalation_contacts")
    name = models.CharField(max_length=100)
    function = models.CharField(max_length=100, blank=True, help_text="e.g. CISO, Head of IT operations.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True, validators=[phone_validator])
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["team", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""),
                name="escalation_contact_reachable",
                violation_error_message="Give an email address or a phone number.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.team})"


class Playbook(models.Model):
    """The steps, escalations and messages one kind of incident calls for.

    A playbook applies to incidents of its category that are at least as
    severe as its minimum severity (rank <= the minimum's rank); when several
    apply, the one with the strictest minimum wins, so that a "major data
    breach" playbook can sit beside a general one.
    """

    name = models.CharField(max_length=120, unique=True)
    category = models.ForeignKey("incidents.Category", on_delete=models.PROTECT, related_name="playbooks")
    minimum_severity = models.ForeignKey(
        "incidents.Severity",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Applies to incidents at least this severe.",
    )
    description = models.TextField(blank=True, max_length=10_000)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="playbooks",
        help_text="Pulled in when a declaration names no team; its escalation contacts are told.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__name", "minimum_severity__rank", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "minimum_severity"],
                condition=Q(is_active=True),
                name="one_active_playbook_per_category_severity",
                violation_error_message="An active playbook for this category and severity already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PlaybookTask(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(default=100)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, max_length=5000)
    role = models.ForeignKey(
        "incidents.IncidentRole",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The incident role that owns the task.",
    )
    due_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=_minutes, help_text="Due this long after the declaration."
    )

    class Meta:
        ordering = ["playbook", "order", "id"]

    def __str__(self) -> str:
        return self.title


class PlaybookEscalationRule(models.Model):
    """Escalate when an incident has not reached ``milestone`` this long after detection,
    on top of its severity's acknowledge and resolve targets."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="escalation_rules")
    milestone = models.CharField(max_length=20, choices=Milestone.choices)
    after_minutes = models.PositiveIntegerField(validators=_minutes)
    notify_emails = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_email_list],
        help_text="Also told, besides the team's contacts.",
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["playbook", "after_minutes", "id"]

    def __str__(self) -> str:
        return f"Not {self.get_milestone_display().lower()} after {self.after_minutes} min"


class CommunicationGuideline(models.Model):
    """Tell ``audience`` within ``within_minutes`` of detection (flagged when missed)."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="communication_guidelines")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    template = models.ForeignKey(
        "incidents.StakeholderTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    within_minutes = models.PositiveIntegerField(validators=_minutes)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["playbook", "within_minutes", "id"]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} within {self.within_minutes} min"

    def clean(self) -> None:
        if self.template is not None and self.template.audience != self.audience:
            raise ValidationError({"template": "This template is written for another audience."})


class IncidentTask(models.Model):
    """One item of an incident's checklist; the status changes only through the task services."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="tasks")
    playbook_task = models.ForeignKey(
        PlaybookTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    order = models.PositiveIntegerField(default=1000)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, max_length=5000)
    role = models.ForeignKey(
        "incidents.IncidentRole", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN, editable=False
    )
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    note = models.TextField(
        blank=True, max_length=5000, help_text="The completion note or the reason for skipping."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["incident", "order", "id"], name="task_incident_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "playbook_task"],
                condition=Q(playbook_task__isnull=False),
                name="task_from_playbook_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Escalation(models.Model):
    """One escalation of one incident for one target. The unique constraint,
    taken before anything else is written, is what makes overlapping runs of
    ``run_escalations`` fire each escalation exactly once."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(max_length=30, choices=EscalationKind.choices)
    target = models.CharField(max_length=60, help_text="What was missed, e.g. acknowledge or rule:12.")
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True)
    detail = models.CharField(max_length=500)
    is_exercise = models.BooleanField(default=False)

    class Meta:
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "target"], name="escalation_once_per_incident_target")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.detail}"
