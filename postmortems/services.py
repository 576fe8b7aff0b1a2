"""Every write that matters on post-mortems and action items.

One transaction each, with its audit event; creating, publishing, revising
and deleting a post-mortem also land on the covered incidents' timelines, so
that the incident's story is complete in one place. Statuses change only here.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident, TimelineEvent
from incidents.selectors import incidents_visible_to
from incidents.services import timeline_record
from portal.audit import audit_record
from portal.errors import ConflictError, DomainError, PreconditionFailed, TransitionNotAllowed
from portal.sandbox import UnsafeTemplate, render_template
from postmortems import events
from postmortems.choices import (
    ACTION_ITEM_CLOSED_STATUSES,
    ACTION_ITEM_TRANSITIONS,
    EDITABLE_STATUSES,
    KINDS_NEEDING_VERIFICATION,
    POSTMORTEM_TRANSITIONS,
    ActionItemAction,
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    PostmortemAction,
    PostmortemStatus,
    ReminderKind,
    TimelineAssessment,
)
from postmortems.exports import document_snapshot, postmortem_document, postmortem_markdown
from postmortems.models import (
    ActionItem,
    ActionItemReminder,
    ContributingFactor,
    ContributingFactorCategory,
    Postmortem,
    PostmortemIncident,
    PostmortemRevision,
    PostmortemSection,
    PostmortemTemplate,
    PostmortemTimelineEntry,
)
from postmortems.quality import Finding, postmortem_quality
from postmortems.selectors import (
    action_items_needing_reminders,
    action_items_visible_to,
    can_see_incidents,
    postmortem_content,
)

logger = logging.getLogger(__name__)

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


def _person(user: AbstractBaseUser | None) -> str | None:
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


def _check_people(
    *,
    incident_ids: list[int],
    owner: AbstractBaseUser | None = None,
    facilitator: AbstractBaseUser | None = None,
    reviewers: Sequence[AbstractBaseUser] | None = None,
    final_owner: AbstractBaseUser | None = None,
) -> None:
    """Everyone named on a post-mortem must be able to read it; the owner must be able to
    write it; reviewers must be able to publish or write, and cannot be the owner."""
    errors: dict[str, str] = {}
    if owner is not None:
        if not owner.is_active:
            errors["owner"] = "This user is deactivated."
        elif not (owner.has_perm("postmortems.change_postmortem") and can_see_incidents(owner, incident_ids)):
            errors["owner"] = (
                f"{owner.get_username()} cannot own this post-mortem: the owner writes it, so needs "
                "the Post-mortem Author role and access to every incident it covers."
            )
    if facilitator is not None:
        if not facilitator.is_active:
            errors["facilitator"] = "This user is deactivated."
        elif not can_see_incidents(facilitator, incident_ids):
            errors["facilitator"] = f"{facilitator.get_username()} cannot see every incident it covers."
    if reviewers is not None:
        problems = []
        for reviewer in reviewers:
            name = reviewer.get_username()
            if final_owner is not None and reviewer.pk == final_owner.pk:
                problems.append(f"{name} owns the post-mortem and cannot review it.")
            elif not reviewer.is_active:
                problems.append(f"{name} is deactivated.")
            elif not (
                reviewer.has_perm("postmortems.change_postmortem")
                or reviewer.has_perm("postmortems.publish_postmortem")
            ) or not can_see_incidents(reviewer, incident_ids):
                problems.append(
                    f"{name} cannot review it: reviewers need access to every incident it covers and "
                    "the Post-mortem Author, Compliance Officer or Administrator role."
                )
        if problems:
            errors["reviewers"] = " ".join(problems)
    if errors:
        raise ValidationError(errors)


def _starter_context(title: str, incidents: list[Incident], owner: AbstractBaseUser) -> dict[str, Any]:
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
        "owner": owner.get_full_name() or owner.get_username(),
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
    postmortem: Postmortem, *, text: str, actor: AbstractBaseUser, action: str, at: datetime | None = None
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


# --- post-mortems --------------------------------------------------------------------------------------


@transaction.atomic
def postmortem_create(
    *,
    actor: AbstractBaseUser,
    incidents: Iterable[Incident],
    template: PostmortemTemplate,
    title: str = "",
    owner: AbstractBaseUser | None = None,
    facilitator: AbstractBaseUser | None = None,
    reviewers: Iterable[AbstractBaseUser] = (),
    at: datetime | None = None,
) -> Postmortem:
    """Start a post-mortem for resolved incidents from a template, with their timelines
    imported as an editable snapshot. ``at`` backdates it for imports of older records."""
    at = _check_at(at)
    ids = sorted({incident.pk for incident in incidents})
    if not ids:
        raise ValidationError({"incidents": "Choose at least one incident."})
    if len(ids) > MAX_INCIDENTS:
        raise ValidationError({"incidents": f"A post-mortem covers at most {MAX_INCIDENTS} incidents."})
    covered = list(
        Incident.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("severity")
        .order_by("detected_at", "id")
    )
    visible = set(incidents_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if len(covered) != len(ids) or visible != set(ids):
        raise ValidationError({"incidents": "Unknown incident."})
    unresolved = [incident.reference for incident in covered if incident.status not in RESOLVED_STATUSES]
    if unresolved:
        raise ValidationError(
            {"incidents": f"{', '.join(unresolved)} is not resolved yet: write the post-mortem once it is."}
        )
    template = PostmortemTemplate.objects.get(pk=template.pk)
    if not template.is_active:
        raise ValidationError({"template": "This template is retired; choose another one."})
    owner = owner or actor
    reviewer_list = list(reviewers)
    _check_people(
        incident_ids=ids, owner=owner, facilitator=facilitator, reviewers=reviewer_list, final_owner=owner
    )
    title = (title or "").strip() or f"Post-mortem: {covered[0].title}"[:200]
    postmortem = Postmortem.objects.create(
        title=title,
        template=template,
        template_version=template.version,
        owner=owner,
        facilitator=facilitator,
        created_by=actor,
        created_at=at,
    )
    PostmortemIncident.objects.bulk_create(
        [PostmortemIncident(postmortem=postmortem, incident=incident) for incident in covered]
    )
    postmortem.reviewers.set(reviewer_list)
    context = _starter_context(title, covered, owner)
    sections = []
    for section in template.sections.order_by("order", "id"):
        try:
            starter = render_template(section.starter_text, context) if section.starter_text else ""
        except UnsafeTemplate as exc:
            raise ValidationError({"template": f"Section “{section.title}” of the template: {exc}"}) from None
        sections.append(
            PostmortemSection(
                postmortem=postmortem,
                key=section.key,
                title=section.title,
                guidance=section.guidance,
                required=section.required,
                order=section.order,
                body=starter,
                starter_text=starter,
            )
        )
    PostmortemSection.objects.bulk_create(sections)
    imported = _import_timeline(postmortem, covered)
    _on_incident_timelines(
        postmortem,
        text=f"Post-mortem {postmortem.reference} started: {title}.",
        actor=actor,
        action="created",
        at=at,
    )
    audit_record(
        action="postmortem.created",
        actor=actor,
        obj=postmortem,
        changes={
            "title": title,
            "incidents": [incident.reference for incident in covered],
            "template": template.slug,
            "template_version": template.version,
            "owner": _person(owner),
            "facilitator": _person(facilitator),
            "reviewers": sorted(user.get_username() for user in reviewer_list),
            "timeline_entries_imported": imported,
        },
    )
    return postmortem


def _clean_whys(whys: Sequence[str]) -> list[str]:
    cleaned = [str(why).strip() for why in whys]
    if len(cleaned) > MAX_WHYS:
        raise ValidationError({"whys": f"Keep the chain to at most {MAX_WHYS} whys."})
    if any(not why for why in cleaned):
        raise ValidationError({"whys": "A why cannot be empty."})
    return cleaned


def _clean_factors(factors: Sequence[Mapping[str, Any]]) -> list[tuple[ContributingFactorCategory, str]]:
    if len(factors) > MAX_FACTORS:
        raise ValidationError({"contributing_factors": f"At most {MAX_FACTORS} contributing factors."})
    categories = {
        category.slug: category for category in ContributingFactorCategory.objects.filter(is_active=True)
    }
    cleaned, problems = [], []
    for index, factor in enumerate(factors):
        slug = str(factor.get("category", ""))
        description = str(factor.get("description", "")).strip()
        if slug not in categories:
            problems.append(
                f"#{index + 1}: unknown category {slug[:40]!r}; use one of {', '.join(sorted(categories))}."
            )
        elif not description:
            problems.append(f"#{index + 1}: describe the factor.")
        else:
            cleaned.append((categories[slug], description))
    if problems:
        raise ValidationError({"contributing_factors": problems})
    return cleaned


@transaction.atomic
def postmortem_update(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Postmortem:
    """Edit the document while it is a draft or in review. ``sections`` maps section keys
    to new Markdown bodies; ``whys``, ``contributing_factors`` and ``reviewers`` replace the
    whole list. Nothing changed means no new version."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    postmortem = _lock(postmortem, expected_version)
    _require_editable(postmortem)
    changes: dict[str, Any] = {}
    fields: list[str] = []

    if "title" in data:
        title = str(data["title"]).strip()
        if not title:
            raise ValidationError({"title": "A post-mortem needs a title."})
        data = {**data, "title": title}
    for field in ("title", "no_action_items_reason", "customers_affected", "records_affected"):
        if field in data and data[field] != getattr(postmortem, field):
            old = getattr(postmortem, field)
            changes[field] = (
                [_digest(old), _digest(data[field])]
                if field == "no_action_items_reason"
                else [old, data[field]]
            )
            setattr(postmortem, field, data[field])
            fields.append(field)

    incident_ids = _incident_ids(postmortem)
    owner_changed = "owner" in data and data["owner"].pk != postmortem.owner_id
    facilitator = data.get("facilitator", postmortem.facilitator)
    facilitator_changed = (
        "facilitator" in data and (facilitator.pk if facilitator else None) != postmortem.facilitator_id
    )
    current_reviewers = list(postmortem.reviewers.all())
    new_reviewers = list(data["reviewers"]) if "reviewers" in data else current_reviewers
    reviewers_changed = {user.pk for user in new_reviewers} != {user.pk for user in current_reviewers}
    final_owner = data["owner"] if owner_changed else postmortem.owner
    if owner_changed or facilitator_changed or reviewers_changed:
        _check_people(
            incident_ids=incident_ids,
            owner=data["owner"] if owner_changed else None,
            facilitator=facilitator if facilitator_changed else None,
            reviewers=new_reviewers if (reviewers_changed or owner_changed) else None,
            final_owner=final_owner,
        )
    if owner_changed:
        changes["owner"] = [_person(postmortem.owner), _person(final_owner)]
        postmortem.owner = final_owner
        fields.append("owner")
    if facilitator_changed:
        changes["facilitator"] = [_person(postmortem.facilitator), _person(facilitator)]
        postmortem.facilitator = facilitator
        fields.append("facilitator")
    if reviewers_changed:
        changes["reviewers"] = [
            sorted(user.get_username() for user in current_reviewers),
            sorted(user.get_username() for user in new_reviewers),
        ]
        postmortem.reviewers.set(new_reviewers)

    if "sections" in data:
        by_key = {section.key: section for section in postmortem.sections.all()}
        missing = sorted(key[:60] for key in data["sections"] if key not in by_key)
        if missing:
            raise ValidationError(
                {"sections": f"No section {', '.join(missing)} here; the sections are {', '.join(by_key)}."}
            )
        for key, body in data["sections"].items():
            section = by_key[key]
            body = str(body).replace("\r\n", "\n")
            if body != section.body:
                changes[f"sections.{key}"] = [_digest(section.body), _digest(body)]
                section.body = body
                section.save(update_fields=["body"])

    if "whys" in data:
        whys = _clean_whys(data["whys"])
        if whys != list(postmortem.whys or []):
            changes["whys"] = [postmortem.whys, whys]
            postmortem.whys = whys
            fields.append("whys")

    if "contributing_factors" in data:
        factors = _clean_factors(data["contributing_factors"])
        current = [
            (factor.category.slug, factor.description)
            for factor in postmortem.factors.select_related("category")
        ]
        wanted = [(category.slug, description) for category, description in factors]
        if current != wanted:
            postmortem.factors.all().delete()
            ContributingFactor.objects.bulk_create(
                [
                    ContributingFactor(
                        postmortem=postmortem, category=category, description=description, order=i
                    )
                    for i, (category, description) in enumerate(factors)
                ]
            )
            changes["contributing_factors"] = [current, wanted]

    if not changes:
        return postmortem
    _bump(postmortem, *fields)
    audit_record(action="postmortem.updated", actor=actor, obj=postmortem, changes=changes)
    return postmortem


def _check_transition(postmortem: Postmortem, action: str) -> str:
    sources, target = POSTMORTEM_TRANSITIONS[action]
    if postmortem.status not in sources:
        allowed = ", ".join(PostmortemStatus(source).label.lower() for source in sorted(sources))
        raise TransitionNotAllowed(
            f"Cannot {PostmortemAction(action).label.lower()} {postmortem.reference}: it is "
            f"{PostmortemStatus(postmortem.status).label.lower()}; this is only possible when {allowed}."
        )
    return target


@transaction.atomic
def postmortem_submit_for_review(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Postmortem:
    """Ask for review. Quality errors do not block this step (reviewers can help fix
    them); they block publishing."""
    at = _check_at(at)
    postmortem = _lock(postmortem, expected_version)
    target = _check_transition(postmortem, PostmortemAction.SUBMIT_FOR_REVIEW)
    old = postmortem.status
    postmortem.status = target
    postmortem.submitted_at = at
    postmortem.submitted_by = actor
    _bump(postmortem, "status", "submitted_at", "submitted_by")
    quality = postmortem_quality(postmortem_content(postmortem.pk))
    audit_record(
        action="postmortem.submitted_for_review",
        actor=actor,
        obj=postmortem,
        changes={"status": [old, target], "note": note.strip(), "quality_errors": len(quality.errors)},
    )
    return postmortem


def publish_refusal(postmortem: Postmortem, actor: AbstractBaseUser) -> str | None:
    """Why ``actor`` may not publish ``postmortem`` (the four-eyes rule), or None."""
    if actor.pk == postmortem.owner_id:
        return "You own this post-mortem: a reviewer, compliance officer or administrator publishes it."
    if actor.pk == postmortem.submitted_by_id:
        return "You submitted this post-mortem for review: someone else publishes it."
    if actor.has_perm("postmortems.publish_postmortem"):
        return None
    if actor.has_perm("postmortems.change_postmortem") and postmortem.reviewers.filter(pk=actor.pk).exists():
        return None
    return "Only a listed reviewer, a compliance officer or an administrator may publish a post-mortem."


@transaction.atomic
def postmortem_publish(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Postmortem:
    """Publish after review, by someone other than the owner, once the quality gate has no
    errors. The published revision is stored (content, Markdown and its SHA-256)."""
    at = _check_at(at)
    postmortem = _lock(postmortem, expected_version)
    refusal = publish_refusal(postmortem, actor)
    if refusal:
        raise PermissionDenied(refusal)
    target = _check_transition(postmortem, PostmortemAction.PUBLISH)
    if postmortem.submitted_at and at < postmortem.submitted_at:
        raise ValidationError({"at": "Publication cannot come before the submission for review."})
    quality = postmortem_quality(postmortem_content(postmortem.pk))
    if quality.errors:
        raise QualityGateFailed(quality.errors)
    old = postmortem.status
    postmortem.status = target
    postmortem.published_at = at
    postmortem.published_by = actor
    postmortem.first_published_at = postmortem.first_published_at or at
    postmortem.revision += 1
    _bump(postmortem, "status", "published_at", "published_by", "first_published_at", "revision")
    document = postmortem_document(postmortem_content(postmortem.pk))
    markdown = postmortem_markdown(document)
    revision = PostmortemRevision.objects.create(
        postmortem=postmortem,
        number=postmortem.revision,
        published_at=at,
        published_by=actor,
        snapshot=document_snapshot(document),
        markdown=markdown,
        sha256=hashlib.sha256(markdown.encode("utf-8")).hexdigest(),
    )
    _on_incident_timelines(
        postmortem,
        text=f"Post-mortem {postmortem.reference} published (revision {revision.number}): {postmortem.title}.",
        actor=actor,
        action="published",
        at=at,
    )
    audit_record(
        action="postmortem.published",
        actor=actor,
        obj=postmortem,
        changes={
            "status": [old, target],
            "revision": revision.number,
            "sha256": revision.sha256,
            "quality_warnings": len(quality.warnings),
            "note": note.strip(),
        },
    )
    events.postmortem_published.publish(postmortem=postmortem, actor=actor)
    return postmortem


@transaction.atomic
def postmortem_revise(
    *, postmortem: Postmortem, actor: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> Postmortem:
    """Start a new draft of a published post-mortem; the published revision stays stored."""
    postmortem = _lock(postmortem, expected_version)
    target = _check_transition(postmortem, PostmortemAction.REVISE)
    old = postmortem.status
    postmortem.status = target
    postmortem.submitted_at = None
    postmortem.submitted_by = None
    _bump(postmortem, "status", "submitted_at", "submitted_by")
    text = f"Post-mortem {postmortem.reference} reopened for revision; revision {postmortem.revision} stays published."
    if note.strip():
        text += f" {note.strip()}"
    _on_incident_timelines(postmortem, text=text, actor=actor, action="revised")
    audit_record(
        action="postmortem.revised",
        actor=actor,
        obj=postmortem,
        changes={"status": [old, target], "published_revision": postmortem.revision, "note": note.strip()},
    )
    return postmortem


@transaction.atomic
def postmortem_delete(*, postmortem: Postmortem, actor: AbstractBaseUser) -> None:
    """Remove a post-mortem started by mistake. Once published it stays (revise it instead)."""
    postmortem = _lock(postmortem)
    if postmortem.revision or postmortem.status == PostmortemStatus.PUBLISHED:
        raise ConflictError(f"{postmortem.reference} has been published; it can be revised but not deleted.")
    _on_incident_timelines(
        postmortem, text=f"Post-mortem {postmortem.reference} deleted.", actor=actor, action="deleted"
    )
    audit_record(
        action="postmortem.deleted",
        actor=actor,
        obj=postmortem,
        changes={
            "title": postmortem.title,
            "status": postmortem.status,
            "action_items": list(postmortem.action_items.values_list("title", flat=True)),
        },
    )
    postmortem.delete()


# --- the post-mortem's own timeline --------------------------------------------------------------------


def _check_entry_data(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    if "text" in cleaned:
        cleaned["text"] = str(cleaned["text"]).strip()
        if not cleaned["text"]:
            raise ValidationError({"text": "An entry cannot be empty."})
    occurred_at = cleaned.get("occurred_at")
    if occurred_at is not None and occurred_at > timezone.now() + _CLOCK_SKEW:
        raise ValidationError({"occurred_at": "This time is in the future."})
    if "assessment" in cleaned and cleaned["assessment"] not in TimelineAssessment.values:
        raise ValidationError({"assessment": "Use fact, hypothesis or unmarked."})
    return cleaned


@transaction.atomic
def timeline_entry_add(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    occurred_at: datetime,
    text: str,
    incident: Incident | None = None,
    is_starred: bool = False,
    assessment: str = TimelineAssessment.UNMARKED,
    annotation: str = "",
    expected_version: int | None = None,
) -> PostmortemTimelineEntry:
    """Add a line the incident timeline missed (found in logs, chat or interviews)."""
    postmortem = _lock(postmortem, expected_version)
    _require_editable(postmortem)
    data = _check_entry_data({"text": text, "occurred_at": occurred_at, "assessment": assessment})
    if incident is not None and incident.pk not in _incident_ids(postmortem):
        raise ValidationError({"incident": "This incident is not covered by the post-mortem."})
    entry = PostmortemTimelineEntry.objects.create(
        postmortem=postmortem,
        incident=incident,
        occurred_at=occurred_at,
        kind=TimelineKind.NOTE,
        author=actor,
        text=data["text"],
        is_starred=is_starred,
        assessment=assessment,
        annotation=annotation.strip(),
    )
    _bump(postmortem)
    audit_record(
        action="postmortem.timeline_entry_added",
        actor=actor,
        obj=postmortem,
        changes={"entry": entry.pk, "occurred_at": occurred_at, "text": entry.text[:500]},
    )
    return entry


@transaction.atomic
def timeline_entry_update(
    *,
    entry: PostmortemTimelineEntry,
    actor: AbstractBaseUser,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> PostmortemTimelineEntry:
    """Edit, star, assess (fact or hypothesis) or annotate an entry; the incident's own
    timeline is never touched."""
    unknown = set(data) - TIMELINE_ENTRY_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    postmortem = _lock(entry.postmortem, expected_version)
    _require_editable(postmortem)
    entry = PostmortemTimelineEntry.objects.select_for_update().get(pk=entry.pk, postmortem=postmortem)
    data = _check_entry_data(data)
    if "annotation" in data:
        data["annotation"] = str(data["annotation"]).strip()
    changes = {
        field: [getattr(entry, field), value]
        for field, value in data.items()
        if getattr(entry, field) != value
    }
    if not changes:
        return entry
    for field, (_, value) in changes.items():
        setattr(entry, field, value)
    entry.save(update_fields=list(changes))
    _bump(postmortem)
    for long_field in ("text", "annotation"):
        if long_field in changes:
            changes[long_field] = [str(value)[:500] for value in changes[long_field]]
    audit_record(
        action="postmortem.timeline_entry_updated",
        actor=actor,
        obj=postmortem,
        changes={"entry": entry.pk, **changes},
    )
    return entry


@transaction.atomic
def timeline_entry_delete(
    *, entry: PostmortemTimelineEntry, actor: AbstractBaseUser, expected_version: int | None = None
) -> None:
    postmortem = _lock(entry.postmortem, expected_version)
    _require_editable(postmortem)
    entry = PostmortemTimelineEntry.objects.select_for_update().get(pk=entry.pk, postmortem=postmortem)
    audit_record(
        action="postmortem.timeline_entry_deleted",
        actor=actor,
        obj=postmortem,
        changes={"entry": entry.pk, "occurred_at": entry.occurred_at, "text": entry.text[:500]},
    )
    entry.delete()
    _bump(postmortem)


# --- action items --------------------------------------------------------------------------------------


def _check_item_owner(owner: AbstractBaseUser | None, incident_ids: list[int]) -> None:
    if owner is None:
        return
    if not owner.is_active:
        raise ValidationError({"owner": "This user is deactivated."})
    if not (owner.has_perm("postmortems.view_actionitem") and can_see_incidents(owner, incident_ids)):
        raise ValidationError(
            {"owner": f"{owner.get_username()} cannot see this post-mortem, so cannot own its action items."}
        )


def _check_item_incident(incident: Incident | None, incident_ids: list[int]) -> None:
    if incident is not None and incident.pk not in incident_ids:
        raise ValidationError({"incident": "This incident is not covered by the post-mortem."})


@transaction.atomic
def action_item_create(
    *,
    actor: AbstractBaseUser,
    postmortem: Postmortem,
    title: str,
    description: str = "",
    owner: AbstractBaseUser | None = None,
    due_date: date | None = None,
    priority: str = ActionItemPriority.MEDIUM,
    kind: str = ActionItemKind.OTHER,
    external_url: str = "",
    verification: str = "",
    incident: Incident | None = None,
) -> ActionItem:
    """Add follow-up work. Items may be added after publication too: tracking continues."""
    postmortem = _lock(postmortem)
    incident_ids = _incident_ids(postmortem)
    _check_item_owner(owner, incident_ids)
    _check_item_incident(incident, incident_ids)
    item = ActionItem(
        postmortem=postmortem,
        incident=incident,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        priority=priority,
        kind=kind,
        external_url=external_url.strip(),
        verification=verification.strip(),
        created_by=actor,
    )
    item.full_clean()
    item.save(force_insert=True)
    audit_record(
        action="actionitem.created",
        actor=actor,
        obj=item,
        changes={
            "postmortem": postmortem.reference,
            "title": item.title,
            "owner": _person(owner),
            "due_date": due_date,
            "priority": priority,
            "kind": kind,
        },
    )
    return item


def _lock_item(item: ActionItem, expected_version: int | None) -> ActionItem:
    locked = ActionItem.objects.select_for_update().select_related("postmortem").get(pk=item.pk)
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(
            f"Action item {locked.pk} is at version {locked.version}, not {expected_version}; reload it."
        )
    return locked


@transaction.atomic
def action_item_update(
    *,
    item: ActionItem,
    actor: AbstractBaseUser,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> ActionItem:
    """Edit an item that is still being worked on; closed items are the record of what was done."""
    unknown = set(data) - ACTION_ITEM_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    item = _lock_item(item, expected_version)
    if item.status in ACTION_ITEM_CLOSED_STATUSES:
        raise ConflictError(
            f"Action item {item.pk} is {item.get_status_display().lower()} and cannot change."
        )
    incident_ids = _incident_ids(item.postmortem)
    changes: dict[str, Any] = {}
    for field, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        old = getattr(item, field)
        if (old.pk if hasattr(old, "pk") else old) == (value.pk if hasattr(value, "pk") else value):
            continue
        if field == "owner":
            _check_item_owner(value, incident_ids)
        if field == "incident":
            _check_item_incident(value, incident_ids)
        changes[field] = [
            _person(old) if field == "owner" else getattr(old, "pk", old),
            _person(value) if field == "owner" else getattr(value, "pk", value),
        ]
        setattr(item, field, value)
    if not changes:
        return item
    item.full_clean()
    item.version += 1
    item.save(update_fields=[*changes, "version", "updated_at"])
    audit_record(action="actionitem.updated", actor=actor, obj=item, changes=changes)
    return item


@transaction.atomic
def action_item_transition(
    *,
    item: ActionItem,
    action: str,
    actor: AbstractBaseUser,
    verification: str | None = None,
    reason: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> ActionItem:
    """Move an item along open -> in_progress -> done | wont_do. Its owner may do this
    without being a post-mortem author; completing a prevent or mitigate item needs
    ``verification`` (how it was shown to work), declining one needs a reason."""
    if action not in ACTION_ITEM_TRANSITIONS:
        raise TransitionNotAllowed(f"Unknown action {action!r}.")
    at = _check_at(at)
    item = _lock_item(item, expected_version)
    if not (actor.has_perm("postmortems.change_actionitem") or item.owner_id == actor.pk):
        raise PermissionDenied("Only the item's owner or a post-mortem author can change its status.")
    sources, target = ACTION_ITEM_TRANSITIONS[action]
    if item.status not in sources:
        allowed = ", ".join(ActionItemStatus(source).label.lower() for source in sorted(sources))
        raise TransitionNotAllowed(
            f"Cannot {ActionItemAction(action).label.lower()} action item {item.pk}: it is "
            f"{item.get_status_display().lower()}; this is only possible when {allowed}."
        )
    fields = ["status"]
    if action == ActionItemAction.COMPLETE:
        if verification is not None and verification.strip():
            item.verification = verification.strip()
            fields.append("verification")
        if item.kind in KINDS_NEEDING_VERIFICATION and not item.verification.strip():
            raise ValidationError(
                {"verification": "Say how the change was shown to work: prevent and mitigate items need it."}
            )
    if action == ActionItemAction.WONT_DO:
        if not reason.strip():
            raise ValidationError({"reason": "Say why the item will not be done."})
        item.wont_do_reason = reason.strip()
        fields.append("wont_do_reason")
    old = item.status
    item.status = target
    if target in ACTION_ITEM_CLOSED_STATUSES:
        item.closed_at = at
        item.closed_by = actor
        fields += ["closed_at", "closed_by"]
    item.version += 1
    item.save(update_fields=[*fields, "version", "updated_at"])
    audit_record(
        action=f"actionitem.{action}",
        actor=actor,
        obj=item,
        changes={
            "status": [old, target],
            "verification": item.verification[:500] if action == ActionItemAction.COMPLETE else None,
            "reason": reason.strip()[:500] or None,
        },
    )
    return item


def action_item_start(*, item: ActionItem, actor: AbstractBaseUser, **kwargs: Any) -> ActionItem:
    return action_item_transition(item=item, action=ActionItemAction.START, actor=actor, **kwargs)


def action_item_complete(*, item: ActionItem, actor: AbstractBaseUser, **kwargs: Any) -> ActionItem:
    return action_item_transition(item=item, action=ActionItemAction.COMPLETE, actor=actor, **kwargs)


def action_item_wont_do(*, item: ActionItem, actor: AbstractBaseUser, **kwargs: Any) -> ActionItem:
    return action_item_transition(item=item, action=ActionItemAction.WONT_DO, actor=actor, **kwargs)


@transaction.atomic
def action_item_delete(*, item: ActionItem, actor: AbstractBaseUser) -> None:
    """Remove an item entered by mistake, before anything was published; afterwards an
    item is closed as won't do instead, so the record stays complete."""
    item = _lock_item(item, None)
    if item.postmortem.revision or item.postmortem.status == PostmortemStatus.PUBLISHED:
        raise ConflictError(
            "The post-mortem has been published: mark the item won't do instead of deleting it."
        )
    if item.status != ActionItemStatus.OPEN:
        raise ConflictError("Only an open item can be deleted; mark it won't do instead.")
    audit_record(
        action="actionitem.deleted",
        actor=actor,
        obj=item,
        changes={"postmortem": item.postmortem.reference, "title": item.title},
    )
    item.delete()


# --- reminders -----------------------------------------------------------------------------------------


def _reminder_message(item: ActionItem, kind: str, today: date) -> EmailMessage:
    owner = item.owner
    assert owner is not None
    # The owner may have lost access since (left the response team): then say no more than the id.
    visible = action_items_visible_to(owner).filter(pk=item.pk).exists()
    days = (item.due_date - today).days if item.due_date else 0
    context = {
        "item": item if visible else None,
        "item_id": item.pk,
        "owner_name": owner.get_full_name() or owner.get_username(),
        "overdue": kind == ReminderKind.OVERDUE,
        "due_date": item.due_date,
        "days": abs(days),
        "url": f"{settings.SITE_URL}/api/v1/action-items/{item.pk}/",
    }
    what = f"“{item.title}”" if visible else f"#{item.pk}"
    state = "is overdue" if kind == ReminderKind.OVERDUE else f"is due on {item.due_date:%Y-%m-%d}"
    subject = " ".join(f"Action item {what} {state}".split())[:200]
    body = render_to_string("postmortems/email/action_item_reminder.txt", context)
    return EmailMessage(subject=subject, body=body, to=[owner.email])


def _deliver(message: EmailMessage, reminder_id: int) -> None:
    """Runs after commit. A failed send gives the claim back so that the next run retries."""
    try:
        message.send()
    except Exception:
        logger.exception("Sending action item reminder %s failed; it will be retried", reminder_id)
        ActionItemReminder.objects.filter(pk=reminder_id).delete()


def action_item_send_reminder(item: ActionItem, kind: str, today: date) -> ActionItemReminder | None:
    """Claim the reminder (the unique constraint lets only one run succeed) and send it after commit."""
    owner = item.owner
    if owner is None or not owner.email or item.due_date is None:
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                reminder = ActionItemReminder.objects.create(
                    action_item=item, kind=kind, due_date=item.due_date, recipient=owner, email=owner.email
                )
        except IntegrityError:
            return None
        audit_record(
            action="actionitem.reminder_sent",
            actor=None,
            obj=item,
            changes={"kind": kind, "due_date": item.due_date, "to": owner.get_username()},
        )
        transaction.on_commit(partial(_deliver, _reminder_message(item, kind, today), reminder.pk))
    return reminder


def action_item_send_reminders(*, today: date | None = None) -> list[ActionItemReminder]:
    """Remind owners of items due within three days, and of overdue items; each reminder once
    per item, kind and due date (a new due date earns new reminders)."""
    today = today or timezone.localdate()
    sent = []
    for item in action_items_needing_reminders(today):
        assert item.due_date is not None
        kind = ReminderKind.OVERDUE if item.due_date < today else ReminderKind.DUE_SOON
        reminder = action_item_send_reminder(item, kind, today)
        if reminder is not None:
            sent.append(reminder)
    return sent
