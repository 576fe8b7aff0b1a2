"""The post-mortem's own timeline: an editable copy of the incidents' timelines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import TimelineKind
from incidents.models import Incident
from portal.audit import audit_record
from portal.users import User
from postmortems.choices import TimelineAssessment
from postmortems.models import Postmortem, PostmortemTimelineEntry
from postmortems.services.base import (
    _CLOCK_SKEW,
    TIMELINE_ENTRY_FIELDS,
    _bump,
    _incident_ids,
    _lock,
    _require_editable,
)


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
    actor: User,
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
    actor: User,
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
    *, entry: PostmortemTimelineEntry, actor: User, expected_version: int | None = None
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
