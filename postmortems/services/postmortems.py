"""The post-mortem document: start, edit, delete (its review steps are in ``lifecycle``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import Incident
from incidents.selectors import incidents_visible_to
from portal.audit import audit_record
from portal.errors import ConflictError
from portal.sandbox import UnsafeTemplate, render_template
from portal.users import User, display_name
from postmortems.choices import PostmortemStatus
from postmortems.messages import INCIDENT_TIMELINE
from postmortems.models import (
    ContributingFactor,
    ContributingFactorCategory,
    Postmortem,
    PostmortemIncident,
    PostmortemSection,
    PostmortemTemplate,
)
from postmortems.services.base import (
    EDITABLE_FIELDS,
    MAX_FACTORS,
    MAX_INCIDENTS,
    MAX_WHYS,
    RESOLVED_STATUSES,
    _bump,
    _check_at,
    _check_people,
    _digest,
    _import_timeline,
    _incident_ids,
    _lock,
    _on_incident_timelines,
    _person,
    _require_editable,
    _starter_context,
)

# --- post-mortems --------------------------------------------------------------------------------------


@transaction.atomic
def postmortem_create(
    *,
    actor: User,
    incidents: Iterable[Incident],
    template: PostmortemTemplate,
    title: str = "",
    owner: User | None = None,
    facilitator: User | None = None,
    reviewers: Iterable[User] = (),
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
        text=INCIDENT_TIMELINE["created"].format(
            reference=postmortem.reference, actor=display_name(actor), title=title.rstrip(".")
        ),
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
    actor: User,
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
    # Each step applies its part of ``data`` and notes what it changed, in this order (the audit
    # record lists the changes as they were made); a refusal rolls back the steps before it.
    changes: dict[str, Any] = {}
    fields: list[str] = []
    _update_plain_fields(postmortem, data, changes, fields)
    _update_people(postmortem, data, changes, fields)
    if "sections" in data:
        _update_sections(postmortem, data["sections"], changes)
    if "whys" in data:
        _update_whys(postmortem, data["whys"], changes, fields)
    if "contributing_factors" in data:
        _update_factors(postmortem, data["contributing_factors"], changes)
    if not changes:
        return postmortem
    _bump(postmortem, *fields)
    audit_record(action="postmortem.updated", actor=actor, obj=postmortem, changes=changes)
    return postmortem


def _update_plain_fields(
    postmortem: Postmortem, data: Mapping[str, Any], changes: dict[str, Any], fields: list[str]
) -> None:
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


def _update_people(
    postmortem: Postmortem, data: Mapping[str, Any], changes: dict[str, Any], fields: list[str]
) -> None:
    """Owner, facilitator and reviewers: whoever is newly named is checked first (``_check_people``)."""
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


def _update_sections(postmortem: Postmortem, bodies: Mapping[str, Any], changes: dict[str, Any]) -> None:
    by_key = {section.key: section for section in postmortem.sections.all()}
    missing = sorted(key[:60] for key in bodies if key not in by_key)
    if missing:
        raise ValidationError(
            {"sections": f"No section {', '.join(missing)} here; the sections are {', '.join(by_key)}."}
        )
    for key, body in bodies.items():
        section = by_key[key]
        body = str(body).replace("\r\n", "\n")
        if body != section.body:
            changes[f"sections.{key}"] = [_digest(section.body), _digest(body)]
            section.body = body
            section.save(update_fields=["body"])


def _update_whys(postmortem: Postmortem, value: Any, changes: dict[str, Any], fields: list[str]) -> None:
    whys = _clean_whys(value)
    if whys != list(postmortem.whys or []):
        changes["whys"] = [postmortem.whys, whys]
        postmortem.whys = whys
        fields.append("whys")


def _update_factors(postmortem: Postmortem, value: Any, changes: dict[str, Any]) -> None:
    factors = _clean_factors(value)
    current = [
        (factor.category.slug, factor.description) for factor in postmortem.factors.select_related("category")
    ]
    wanted = [(category.slug, description) for category, description in factors]
    if current != wanted:
        postmortem.factors.all().delete()
        ContributingFactor.objects.bulk_create(
            [
                ContributingFactor(postmortem=postmortem, category=category, description=description, order=i)
                for i, (category, description) in enumerate(factors)
            ]
        )
        changes["contributing_factors"] = [current, wanted]


@transaction.atomic
def postmortem_delete(*, postmortem: Postmortem, actor: User) -> None:
    """Remove a post-mortem started by mistake. Once published it stays (revise it instead)."""
    postmortem = _lock(postmortem)
    if postmortem.revision or postmortem.status == PostmortemStatus.PUBLISHED:
        raise ConflictError(f"{postmortem.reference} has been published; it can be revised but not deleted.")
    _on_incident_timelines(
        postmortem,
        text=INCIDENT_TIMELINE["deleted"].format(reference=postmortem.reference, actor=display_name(actor)),
        actor=actor,
        action="deleted",
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
