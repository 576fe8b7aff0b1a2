"""Building blocks of the post-mortem services: limits, the row lock, the people checks
and the lines on the covered incidents' timelines."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident, TimelineEvent
from incidents.services import timeline_record
from portal.audit import audit_record
from portal.errors import ConflictError, DomainError, PreconditionFailed, TransitionNotAllowed
from portal.users import User, display_name
from postmortems.choices import EDITABLE_STATUSES, POSTMORTEM_TRANSITIONS, PostmortemAction, PostmortemStatus
from postmortems.models import Postmortem, PostmortemIncident, PostmortemTimelineEntry
from postmortems.permissions import can_review_postmortems, can_write_postmortems
from postmortems.quality import Finding
from postmortems.selectors import can_see_incidents

MAX_INCIDENTS = 20
MAX_WHYS = 10
MAX_FACTORS = 30
MAX_IMPORTED_EVENTS = 5000
RESOLVED_STATUSES = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})
# Clocks of laptops and vendors drift; a stamp slightly in the future is not an error.
_CLOCK_SKEW = timedelta(minutes=5)

#: Post-mortem fields a user may edit (everything else moves through the lifecycle).
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "sections",
        "whys",
        "contributing_factors",
        "owner",
        "facilitator",
        "reviewers",
        "no_action_items_reason",
        "customers_affected",
        "records_affected",
    }
)
TIMELINE_ENTRY_FIELDS = frozenset({"text", "occurred_at", "is_starred", "assessment", "annotation"})
ACTION_ITEM_FIELDS = frozenset(
    {
        "title",
        "description",
        "owner",
        "due_date",
        "priority",
        "kind",
        "external_url",
        "verification",
        "incident",
    }
)


class QualityGateFailed(DomainError):
    """Publishing refused: the quality gate found errors (HTTP 409 listing them)."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        super().__init__(
            f"The post-mortem cannot be published yet: {len(self.findings)} quality error(s) to fix."
        )


# --- helpers -------------------------------------------------------------------------------------------


def _person(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def _digest(text: str) -> str:
    """A short fingerprint of a long text for the audit trail (the revisions keep the content)."""
    return f"{len(text)} chars, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _check_at(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationError({"at": "Give a time-zone aware time."})
    if at > now + _CLOCK_SKEW:
        raise ValidationError({"at": "This time is in the future."})
    return at


def _lock(postmortem: Postmortem, expected_version: int | None = None) -> Postmortem:
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(
            f"{locked.reference} is at version {locked.version}, not {expected_version}; reload it."
        )
    return locked


def _require_editable(postmortem: Postmortem) -> None:
    if postmortem.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"{postmortem.reference} is published and frozen; revise it to start a new draft first."
        )


def _incident_ids(postmortem: Postmortem) -> list[int]:
    return list(
        PostmortemIncident.objects.filter(postmortem=postmortem).values_list("incident_id", flat=True)
    )


def _bump(postmortem: Postmortem, *fields: str) -> None:
    postmortem.version += 1
    postmortem.save(update_fields=[*fields, "version", "updated_at"])


def _owner_problem(owner: User, incident_ids: list[int]) -> str | None:
    if not owner.is_active:
        return "This user is deactivated."
    if not (can_write_postmortems(owner) and can_see_incidents(owner, incident_ids)):
        return (
            f"{display_name(owner)} cannot own this post-mortem: the owner writes it, so needs "
            "the Post-mortem Author role and access to every incident it covers."
        )
    return None


def _facilitator_problem(facilitator: User, incident_ids: list[int]) -> str | None:
    if not facilitator.is_active:
        return "This user is deactivated."
    if not can_see_incidents(facilitator, incident_ids):
        return f"{display_name(facilitator)} cannot see every incident it covers."
    return None


def _reviewer_problem(reviewer: User, incident_ids: list[int], final_owner: User | None) -> str | None:
    name = display_name(reviewer)
    if final_owner is not None and reviewer.pk == final_owner.pk:
        return f"{name} owns the post-mortem and cannot review it."
    if not reviewer.is_active:
        return f"{name} is deactivated."
    if not can_review_postmortems(reviewer) or not can_see_incidents(reviewer, incident_ids):
        return (
            f"{name} cannot review it: reviewers need access to every incident it covers and "
            "the Post-mortem Author, Compliance Officer or Administrator role."
        )
    return None


def _check_people(
    *,
    incident_ids: list[int],
    owner: User | None = None,
    facilitator: User | None = None,
    reviewers: Sequence[User] | None = None,
    final_owner: User | None = None,
) -> None:
    """Everyone named on a post-mortem must be able to read it; the owner must be able to
    write it; reviewers must be able to publish or write, and cannot be the owner."""
    errors: dict[str, str] = {}
    if owner is not None and (problem := _owner_problem(owner, incident_ids)):
        errors["owner"] = problem
    if facilitator is not None and (problem := _facilitator_problem(facilitator, incident_ids)):
        errors["facilitator"] = problem
    if reviewers is not None:
        problems = [
            problem
            for reviewer in reviewers
            if (problem := _reviewer_problem(reviewer, incident_ids, final_owner)) is not None
        ]
        if problems:
            errors["reviewers"] = " ".join(problems)
    if errors:
        raise ValidationError(errors)


def _starter_context(title: str, incidents: list[Incident], owner: User) -> dict[str, Any]:
    resolved = [incident.resolved_at for incident in incidents if incident.resolved_at]
    worst = min(incidents, key=lambda incident: incident.severity.rank)

    def when(value: datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""

    return {
        "title": title,
        "incident_references": [incident.reference for incident in incidents],
        "incident_titles": [incident.title for incident in incidents],
        "severity": worst.severity.name,
        "detected_at": when(min(incident.detected_at for incident in incidents)),
        "resolved_at": when(max(resolved) if resolved else None),
        "owner": display_name(owner),
    }


def _import_timeline(postmortem: Postmortem, incidents: list[Incident]) -> int:
    """Copy the incidents' timelines; the copies are the post-mortem's to edit."""
    events = (
        TimelineEvent.objects.filter(incident__in=incidents)
        .exclude(kind=TimelineKind.POSTMORTEM)
        .order_by("occurred_at", "id")[:MAX_IMPORTED_EVENTS]
    )
    entries = [
        PostmortemTimelineEntry(
            postmortem=postmortem,
            incident_id=event.incident_id,
            source_event=event,
            occurred_at=event.occurred_at,
            kind=event.kind,
            author_id=event.author_id,
            original_text=event.text,
            text=event.text,
        )
        for event in events
    ]
    PostmortemTimelineEntry.objects.bulk_create(entries)
    return len(entries)


def _on_incident_timelines(
    postmortem: Postmortem, *, text: str, actor: User, action: str, at: datetime | None = None
) -> None:
    for incident in Incident.objects.filter(postmortem_links__postmortem=postmortem).order_by("pk"):
        timeline_record(
            incident,
            kind=TimelineKind.POSTMORTEM,
            text=text,
            actor=actor,
            data={"postmortem": postmortem.pk, "action": action},
            occurred_at=at,
        )


# --- the lifecycle: one skeleton for every step ---------------------------------------------------------


def _check_transition(postmortem: Postmortem, action: str) -> str:
    sources, target = POSTMORTEM_TRANSITIONS[action]
    if postmortem.status not in sources:
        allowed = ", ".join(PostmortemStatus(source).label.lower() for source in sorted(sources))
        raise TransitionNotAllowed(
            f"Cannot {PostmortemAction(action).label.lower()} {postmortem.reference}: it is "
            f"{PostmortemStatus(postmortem.status).label.lower()}; this is only possible when {allowed}."
        )
    return target


def _begin(
    postmortem: Postmortem,
    action: str,
    *,
    expected_version: int | None,
    refusal: Callable[[Postmortem], str | None] | None = None,
) -> tuple[Postmortem, str]:
    """Lock the row (checking the version that was read), ask who may (``refusal`` returns why
    not, read on the locked row) and check the lifecycle. Returns the locked row and the target."""
    locked = _lock(postmortem, expected_version)
    reason = refusal(locked) if refusal is not None else None
    if reason:
        raise PermissionDenied(reason)
    return locked, _check_transition(locked, action)


def _move(postmortem: Postmortem, target: str, **stamps: Any) -> str:
    """Set the status and the step's stamps and save exactly those fields; returns the old status."""
    old = postmortem.status
    postmortem.status = target
    for field, value in stamps.items():
        setattr(postmortem, field, value)
    _bump(postmortem, "status", *stamps)
    return old


def _record(
    postmortem: Postmortem,
    *,
    audit: str,
    actor: User,
    changes: Mapping[str, Any],
    timeline: str = "",
    timeline_action: str = "",
    at: datetime | None = None,
) -> None:
    """The step's line on the covered incidents' timelines (when it has one) and its audit event,
    in the caller's transaction."""
    if timeline:
        _on_incident_timelines(postmortem, text=timeline, actor=actor, action=timeline_action, at=at)
    audit_record(action=audit, actor=actor, obj=postmortem, changes=dict(changes))
