"""Action items: the follow-up work a post-mortem records, and its lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.models import Incident
from portal.audit import audit_record
from portal.errors import ConflictError, PreconditionFailed, TransitionNotAllowed
from portal.users import User, display_name
from postmortems.choices import (
    ACTION_ITEM_CLOSED_STATUSES,
    ACTION_ITEM_TRANSITIONS,
    KINDS_NEEDING_VERIFICATION,
    ActionItemAction,
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    PostmortemStatus,
)
from postmortems.messages import REFUSALS
from postmortems.models import ActionItem, Postmortem
from postmortems.permissions import can_move_action_item, can_own_action_items
from postmortems.selectors import can_see_incidents
from postmortems.services.base import ACTION_ITEM_FIELDS, _check_at, _incident_ids, _lock, _person


def _check_item_owner(owner: User | None, incident_ids: list[int]) -> None:
    if owner is None:
        return
    if not owner.is_active:
        raise ValidationError({"owner": "This user is deactivated."})
    if not (can_own_action_items(owner) and can_see_incidents(owner, incident_ids)):
        raise ValidationError(
            {"owner": f"{display_name(owner)} cannot see this post-mortem, so cannot own its action items."}
        )


def _check_item_incident(incident: Incident | None, incident_ids: list[int]) -> None:
    if incident is not None and incident.pk not in incident_ids:
        raise ValidationError({"incident": "This incident is not covered by the post-mortem."})


@transaction.atomic
def action_item_create(
    *,
    actor: User,
    postmortem: Postmortem,
    title: str,
    description: str = "",
    owner: User | None = None,
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
    actor: User,
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
    actor: User,
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
    if not can_move_action_item(actor, item):
        raise PermissionDenied(REFUSALS["move_item"])
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


def action_item_start(*, item: ActionItem, actor: User, **kwargs: Any) -> ActionItem:
    return action_item_transition(item=item, action=ActionItemAction.START, actor=actor, **kwargs)


def action_item_complete(*, item: ActionItem, actor: User, **kwargs: Any) -> ActionItem:
    return action_item_transition(item=item, action=ActionItemAction.COMPLETE, actor=actor, **kwargs)


def action_item_wont_do(*, item: ActionItem, actor: User, **kwargs: Any) -> ActionItem:
    return action_item_transition(item=item, action=ActionItemAction.WONT_DO, actor=actor, **kwargs)


@transaction.atomic
def action_item_delete(*, item: ActionItem, actor: User) -> None:
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
