"""Post-mortem templates, post-mortems with their root-cause analysis, and action items."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.choices import TimelineKind
from incidents.models import Incident, TimelineEvent
from portal.sandbox import UnsafeTemplate, validate_template
from postmortems.choices import (
    ACTION_ITEM_CLOSED_STATUSES,
    ACTION_ITEM_OPEN_STATUSES,
    KINDS_NEEDING_VERIFICATION,
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    PostmortemStatus,
    ReminderKind,
    TimelineAssessment,
)

#: The variables a template section's starter text may use (rendered in the sandbox).
STARTER_TEXT_VARIABLES = (
    "title",
    "incident_references",
    "incident_titles",
    "severity",
    "detected_at",
    "resolved_at",
    "owner",
)


class ContributingFactorCategory(models.Model):
    """A kind of contributing factor (detection, change, capacity...); admin-configurable."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "contributing factor categories"

    def __str__(self) -> str:
        return self.name


class PostmortemTemplate(models.Model):
    """The sections a post-mortem starts with. ``version`` goes up with every
    change, and a post-mortem copies the sections it was created from, so that
    editing a template never rewrites a document already written."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateSection(models.Model):
    template = models.ForeignKey(PostmortemTemplate, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60, help_text="Stable identifier, e.g. root_cause.")
    title = models.CharField(max_length=120)
    guidance = models.TextField(blank=True, help_text="Shown to the author; not part of the document.")
    required = models.BooleanField(default=False, help_text="An empty required section blocks publishing.")
    order = models.PositiveSmallIntegerField(default=100)
    starter_text = models.TextField(
        blank=True,
        max_length=20_000,
        help_text="Optional Markdown the section starts with; may use "
        + ", ".join("{{ %s }}" % name for name in STARTER_TEXT_VARIABLES)  # noqa: UP031
        + " (rendered in a sandbox). Left unchanged it counts as empty.",
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="template_section_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}: {self.title}"

    def clean(self) -> None:
        if self.starter_text:
            try:
                validate_template(self.starter_text, STARTER_TEXT_VARIABLES)
            except UnsafeTemplate as exc:
                raise ValidationError({"starter_text": str(exc)}) from None


class Postmortem(models.Model):
    """A blameless post-mortem covering one or more incidents.

    Status, stamps and ``version`` are written only by ``postmortems.services``;
    ``version`` increases with every change of the document so that clients
    can detect concurrent edits (ETag / If-Match).
    """

    title = models.CharField(max_length=200)
    incidents = models.ManyToManyField(Incident, through="PostmortemIncident", related_name="postmortems")
    template = models.ForeignKey(PostmortemTemplate, on_delete=models.PROTECT, related_name="postmortems")
    template_version = models.PositiveIntegerField(editable=False)
    status = models.CharField(
        max_length=20, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="postmortems_owned"
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postmortems_facilitated",
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="postmortems_to_review"
    )
    whys = models.JSONField(default=list, blank=True, help_text="The five-whys chain, in order.")
    no_action_items_reason = models.TextField(
        blank=True, max_length=5000, help_text="Why no action item is needed, when there is none."
    )
    customers_affected = models.PositiveBigIntegerField(null=True, blank=True)
    records_affected = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The latest "request changes" of a reviewer, shown to the author until the post-mortem is
    # published; every request also stays in the audit trail and on the incidents' timelines.
    changes_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    changes_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes_requested_comment = models.TextField(blank=True, max_length=5000, editable=False)
    revision = models.PositiveIntegerField(default=0, editable=False, help_text="Published revisions so far.")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="postmortem_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PostmortemStatus.PUBLISHED)
                | Q(published_at__isnull=False, published_by__isnull=False),
                name="postmortem_published_has_stamp",
                violation_error_message="A published post-mortem needs its publication time and publisher.",
            ),
        ]
        permissions = [
            ("publish_postmortem", "Can publish a post-mortem written by someone else"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"PM-{self.pk:04d}" if self.pk else "PM-new"


class PostmortemIncident(models.Model):
    """Which incidents a post-mortem covers. An incident with a post-mortem cannot be deleted."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="postmortem_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "incident"], name="postmortem_incident_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.postmortem_id} covers {self.incident_id}"


class PostmortemSection(models.Model):
    """One section of one post-mortem: the template's section copied, with the author's Markdown."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=120)
    guidance = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=100)
    body = models.TextField(blank=True, max_length=100_000)
    starter_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "key"], name="postmortem_section_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.postmortem_id}: {self.title}"

    @property
    def is_empty(self) -> bool:
        body = self.body.strip()
        return not body or body == self.starter_text.strip()


class ContributingFactor(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="factors")
    category = models.ForeignKey(ContributingFactorCategory, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(max_length=5000)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.description[:60]}"


class PostmortemTimelineEntry(models.Model):
    """A line of the post-mortem's own timeline.

    Imported entries are copies of the incidents' timeline events taken when
    the post-mortem was created; editing, starring or annotating them never
    touches the incidents' timelines, which stay the record of what was said
    at the time (``original_text`` keeps the imported wording).
    """

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="timeline_entries")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_event = models.ForeignKey(
        TimelineEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=TimelineKind.choices, default=TimelineKind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_text = models.TextField(blank=True, editable=False)
    text = models.TextField(max_length=10_000)
    is_starred = models.BooleanField(default=False)
    assessment = models.CharField(
        max_length=20, choices=TimelineAssessment.choices, default=TimelineAssessment.UNMARKED
    )
    annotation = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["postmortem", "occurred_at", "id"], name="pm_timeline_time")]
        verbose_name_plural = "post-mortem timeline entries"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.text[:60]}"


class PostmortemRevision(models.Model):
    """A published revision, kept as it was published: the content as JSON and
    the Markdown export with its SHA-256. Revising starts a new draft; it
    never changes what was published."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField()
    markdown = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "number"], name="postmortem_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.postmortem_id} revision {self.number}"


def external_url_validator(value: str) -> None:
    URLValidator(schemes=["http", "https"])(value)


class ActionItem(models.Model):
    """Follow-up work from a post-mortem, tracked until it is shown to work.

    Status and ``closed_at`` are written only by the services. Overdue is
    derived (see ``is_overdue``), never stored.
    """

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="action_items")
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="action_items"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10_000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(
        max_length=10, choices=ActionItemPriority.choices, default=ActionItemPriority.MEDIUM
    )
    kind = models.CharField(max_length=10, choices=ActionItemKind.choices, default=ActionItemKind.OTHER)
    status = models.CharField(
        max_length=20, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN, editable=False
    )
    wont_do_reason = models.TextField(blank=True, max_length=5000)
    external_url = models.CharField(
        max_length=500, blank=True, validators=[external_url_validator], help_text="Tracker link."
    )
    verification = models.TextField(
        blank=True, max_length=5000, help_text="How the change was shown to work."
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="actionitem_status_due"),
            models.Index(fields=["owner", "status"], name="actionitem_owner_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ActionItemStatus.WONT_DO) | ~Q(wont_do_reason=""),
                name="actionitem_wont_do_has_reason",
                violation_error_message="Say why the item will not be done.",
            ),
            models.CheckConstraint(
                condition=~Q(status=ActionItemStatus.DONE, kind__in=sorted(KINDS_NEEDING_VERIFICATION))
                | ~Q(verification=""),
                name="actionitem_done_prevention_is_verified",
                violation_error_message="A prevent or mitigate item is done only once its effect is verified.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=sorted(ACTION_ITEM_CLOSED_STATUSES), closed_at__isnull=False)
                | Q(status__in=sorted(ACTION_ITEM_OPEN_STATUSES), closed_at__isnull=True),
                name="actionitem_closed_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.status, self.due_date)


def is_overdue(status: str, due_date: date | None, today: date | None = None) -> bool:
    """Overdue: due before today (in the portal's time zone) and still being worked on."""
    if due_date is None or status not in ACTION_ITEM_OPEN_STATUSES:
        return False
    return due_date < (today or timezone.localdate())


class ActionItemReminder(models.Model):
    """A reminder that was sent. The unique constraint is what makes each
    reminder go out once, even when two runs of the command overlap: the
    second run's insert fails and it sends nothing."""

    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    due_date = models.DateField(help_text="The due date the reminder was about.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "kind", "due_date"], name="actionitem_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for {self.action_item_id} ({self.due_date})"
