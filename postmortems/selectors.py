"""Every read of post-mortems and action items starts here, restricted by the reader's rights.

A post-mortem is visible only when the reader may see *every* incident it
covers: one restricted incident the reader is not cleared for hides the whole
document, its action items and its exports (404, as for the incident itself).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from compliance.selectors import with_assessment
from incidents.models import Incident
from incidents.selectors import incidents_visible_to
from postmortems import permissions as rules
from postmortems.choices import ACTION_ITEM_OPEN_STATUSES, PRIORITY_RANK, ReminderKind
from postmortems.models import (
    ActionItem,
    ActionItemReminder,
    ContributingFactor,
    Postmortem,
    PostmortemIncident,
    PostmortemRevision,
    PostmortemTemplate,
    PostmortemTimelineEntry,
    TemplateSection,
)

REMINDER_WINDOW_DAYS = 3


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def postmortems_visible_to(user: Any) -> QuerySet[Postmortem]:
    if not _active(user) or not rules.can_view_postmortems(user):
        return Postmortem.objects.none()
    links = PostmortemIncident.objects.filter(postmortem=OuterRef("pk"))
    hidden = links.exclude(incident__in=incidents_visible_to(user).values("pk"))
    return Postmortem.objects.filter(Exists(links)).exclude(Exists(hidden))


def postmortem_list(user: Any) -> QuerySet[Postmortem]:
    """The post-mortems a list or the API shows, with everything they render (fixed query count)."""
    return with_content(postmortems_visible_to(user))


def with_content(postmortems: QuerySet[Postmortem]) -> QuerySet[Postmortem]:
    return postmortems.select_related(
        "template",
        "owner",
        "facilitator",
        "created_by",
        "submitted_by",
        "published_by",
        "changes_requested_by",
    ).prefetch_related(
        Prefetch(
            "incidents",
            queryset=with_assessment(Incident.objects.select_related("severity", "category"))
            .prefetch_related("services")
            .order_by("detected_at", "id"),
        ),
        "reviewers",
        "sections",
        Prefetch("factors", queryset=ContributingFactor.objects.select_related("category")),
        Prefetch("action_items", queryset=ActionItem.objects.select_related("owner", "incident")),
        Prefetch(
            "timeline_entries", queryset=PostmortemTimelineEntry.objects.select_related("author", "incident")
        ),
    )


def postmortem_get(user: Any, pk: int) -> Postmortem:
    """One visible post-mortem or ``Postmortem.DoesNotExist`` (404 for the caller)."""
    return postmortem_list(user).get(pk=pk)


def postmortem_content(pk: int) -> Postmortem:
    """A post-mortem with its content, for services that already checked the caller's rights."""
    return with_content(Postmortem.objects.all()).get(pk=pk)


def can_see_postmortem(user: Any, postmortem: Postmortem) -> bool:
    return postmortems_visible_to(user).filter(pk=postmortem.pk).exists()


def can_see_incidents(user: Any, incident_ids: list[int]) -> bool:
    """Could ``user`` read a post-mortem covering these incidents?"""
    if not _active(user) or not rules.can_view_postmortems(user):
        return False
    return incidents_visible_to(user).filter(pk__in=incident_ids).count() == len(set(incident_ids))


def timeline_for(postmortem: Postmortem) -> QuerySet[PostmortemTimelineEntry]:
    return PostmortemTimelineEntry.objects.filter(postmortem=postmortem).select_related("author", "incident")


def revisions_for(postmortem: Postmortem) -> QuerySet[PostmortemRevision]:
    return PostmortemRevision.objects.filter(postmortem=postmortem).select_related("published_by")


def templates_available() -> QuerySet[PostmortemTemplate]:
    return PostmortemTemplate.objects.prefetch_related(
        Prefetch("sections", queryset=TemplateSection.objects.order_by("order", "id"))
    )


def action_items_visible_to(user: Any) -> QuerySet[ActionItem]:
    if not _active(user) or not rules.can_view_action_items(user):
        return ActionItem.objects.none()
    return ActionItem.objects.filter(postmortem__in=postmortems_visible_to(user).values("pk"))


def _priority_rank() -> Case:
    return Case(
        *[When(priority=priority, then=Value(rank)) for priority, rank in PRIORITY_RANK.items()],
        default=Value(99),
        output_field=IntegerField(),
    )


def action_item_list(user: Any) -> QuerySet[ActionItem]:
    return (
        action_items_visible_to(user)
        .select_related("owner", "postmortem", "incident", "closed_by", "created_by")
        .annotate(priority_rank=_priority_rank())
    )


def action_item_get(user: Any, pk: int) -> ActionItem:
    return action_item_list(user).get(pk=pk)


def overdue_condition(today: date | None = None) -> Q:
    """The SQL form of ``models.is_overdue``."""
    return Q(status__in=sorted(ACTION_ITEM_OPEN_STATUSES), due_date__lt=today or timezone.localdate())


def action_items_needing_reminders(today: date) -> QuerySet[ActionItem]:
    """Open items due within the reminder window or overdue, that have an owner with an address
    and have not had the reminder for their current due date yet (the unique constraint decides
    in the end; this only avoids needless attempts)."""
    horizon = today + timedelta(days=REMINDER_WINDOW_DAYS)
    already = ActionItemReminder.objects.filter(action_item=OuterRef("pk"), due_date=OuterRef("due_date"))
    due_soon_sent = already.filter(kind=ReminderKind.DUE_SOON)
    overdue_sent = already.filter(kind=ReminderKind.OVERDUE)
    return (
        ActionItem.objects.filter(
            status__in=sorted(ACTION_ITEM_OPEN_STATUSES),
            due_date__isnull=False,
            due_date__lte=horizon,
            owner__isnull=False,
            owner__is_active=True,
        )
        .exclude(owner__email="")
        .exclude(Q(due_date__lt=today) & Exists(overdue_sent))
        .exclude(Q(due_date__gte=today) & Exists(due_soon_sent))
        .select_related("owner", "postmortem")
        .order_by("due_date", "id")
    )
