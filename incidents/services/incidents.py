"""Declaring incidents and moving them along their lifecycle: one transaction
each, with its timeline entry and audit event; the status changes only here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents import events
from incidents.choices import INCIDENT_TRANSITIONS, IncidentAction, IncidentStatus, TimelineKind
from incidents.messages import INCIDENT_DONE_WORD, TIMELINE, TRANSITION_REFUSED, UNKNOWN_ACTION
from incidents.models import Category, Incident, ReferenceCounter, Service, Severity, Team, TimelineEvent
from incidents.services.base import (
    CLOCK_SKEW,
    check_source,
    display,
    lock_incident,
    step_for,
    timeline_record,
)
from incidents.services.playbooks import apply_playbook, playbook_for
from incidents.services.roster import assign_team_roles
from portal.audit import audit_record, model_changes
from portal.errors import PreconditionFailed
from portal.users import User

#: Incident fields a user may edit, with the label used on the timeline.
EDITABLE_FIELDS: dict[str, str] = {
    "title": "Title",
    "summary": "Summary",
    "impact": "Impact",
    "severity": "Severity",
    "category": "Category",
    "occurred_at": "Occurred at",
    "detected_at": "Detected at",
    "aware_at": "Aware at",
    "is_restricted": "Restricted",
    "is_exercise": "Exercise",
}
_LONG_TEXT_FIELDS = {"summary", "impact"}


def _next_reference(year: int) -> str:
    """Hand out the next number of ``year``; the row lock serialises callers."""
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"INC-{year}-{counter.last_number:04d}"


def _check_times(incident: Incident) -> None:
    errors: dict[str, str] = {}
    latest_allowed = timezone.now() + CLOCK_SKEW
    for field in ("occurred_at", "detected_at", "aware_at"):
        value = getattr(incident, field)
        if value is not None and value > latest_allowed:
            errors[field] = "This time is in the future."
    if incident.occurred_at and incident.detected_at and incident.occurred_at > incident.detected_at:
        errors["occurred_at"] = "The incident cannot have occurred after it was detected."
    if incident.aware_at and incident.detected_at and incident.aware_at < incident.detected_at:
        errors["aware_at"] = "Awareness cannot come before detection."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_create(
    *,
    actor: User,
    title: str,
    severity: Severity,
    category: Category,
    summary: str = "",
    impact: str = "",
    services: Iterable[Service] = (),
    occurred_at: datetime | None = None,
    detected_at: datetime | None = None,
    aware_at: datetime | None = None,
    is_restricted: bool = False,
    is_exercise: bool = False,
    declared_at: datetime | None = None,
    team: Team | None = None,
) -> Incident:
    """Declare an incident and set the response plan going.

    The matching playbook (category and severity) adds its tasks; ``team``, or
    else the playbook's team, is pulled in and its role holders assigned.
    Every path that declares incidents (API, admin, importers) comes through
    here, so none of them can skip the plan. ``declared_at`` backdates the
    declaration for imports of historical records; otherwise it is now.
    """
    declared_at = declared_at or timezone.now()
    if team is not None and not team.is_active:
        raise ValidationError({"team": "This team is deactivated."})
    playbook = playbook_for(category=category, severity=severity)
    if team is None and playbook is not None and playbook.team is not None and playbook.team.is_active:
        team = playbook.team
    incident = Incident(
        title=title,
        summary=summary,
        impact=impact,
        severity=severity,
        category=category,
        occurred_at=occurred_at,
        detected_at=detected_at or declared_at,
        aware_at=aware_at,
        is_restricted=is_restricted,
        is_exercise=is_exercise,
        team=team,
        playbook=playbook,
        created_by=actor,
        created_at=declared_at,
    )
    _check_times(incident)
    incident.reference = _next_reference(timezone.localtime(declared_at).year)
    incident.full_clean(exclude=["reference"])
    incident.save(force_insert=True)
    service_list = list(services)
    if service_list:
        incident.services.set(service_list)
    kind_word = "Exercise" if is_exercise else "Incident"
    timeline_record(
        incident,
        kind=TimelineKind.DECLARED,
        text=TIMELINE["declared"].format(kind=kind_word, severity=severity.name, category=category.name),
        actor=actor,
        data={
            "severity": severity.name,
            "category": category.slug,
            "team": team.name if team else None,
            "playbook": playbook.name if playbook else None,
        },
        occurred_at=declared_at,
    )
    audit_record(
        action="incident.created",
        actor=actor,
        obj=incident,
        changes={
            "title": title,
            "severity": severity.name,
            "category": category.slug,
            "services": sorted(s.name for s in service_list),
            "detected_at": incident.detected_at,
            "is_restricted": is_restricted,
            "is_exercise": is_exercise,
            "team": team.name if team else None,
            "playbook": playbook.name if playbook else None,
        },
    )
    if team is not None:
        assign_team_roles(incident, team=team, actor=actor, at=declared_at)
    if playbook is not None:
        apply_playbook(incident, playbook=playbook, actor=actor, at=declared_at)
    events.incident_created.publish(incident=incident, actor=actor)
    return incident


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    actor: User,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Incident:
    """Change editable fields; each changed field gets a timeline entry."""
    unknown = set(data) - set(EDITABLE_FIELDS) - {"services"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    incident = lock_incident(incident)
    if expected_version is not None and expected_version != incident.version:
        raise PreconditionFailed(
            f"{incident.reference} is at version {incident.version}, not {expected_version}; reload it."
        )
    before = {field: getattr(incident, field) for field in EDITABLE_FIELDS}
    for field, value in data.items():
        if field in EDITABLE_FIELDS:
            setattr(incident, field, value)
    _check_times(incident)
    incident.full_clean(exclude=["reference"])
    after = {field: getattr(incident, field) for field in EDITABLE_FIELDS}
    changes = model_changes(
        {k: v.pk if hasattr(v, "pk") else v for k, v in before.items()},
        {k: v.pk if hasattr(v, "pk") else v for k, v in after.items()},
    )
    changed_fields = list(changes)

    services_change: tuple[list[str], list[str]] | None = None
    if "services" in data:
        old_names = sorted(incident.services.values_list("name", flat=True))
        new_services = list(data["services"])
        new_names = sorted(s.name for s in new_services)
        if old_names != new_names:
            incident.services.set(new_services)
            services_change = (old_names, new_names)

    if not changed_fields and services_change is None:
        return incident

    incident.version += 1
    incident.save(update_fields=[*changed_fields, "version", "updated_at"])
    audit_changes: dict[str, Any] = {}
    for field in changed_fields:
        label = EDITABLE_FIELDS[field]
        old, new = before[field], after[field]
        if field in _LONG_TEXT_FIELDS:
            text = f"{label} updated."
        else:
            text = f"{label} changed from {display(field, old)} to {display(field, new)}."
        timeline_record(
            incident,
            kind=TimelineKind.FIELD_CHANGE,
            text=text,
            actor=actor,
            data={"field": field, "old": changes[field][0], "new": changes[field][1]},
        )
        audit_changes[field] = [display(field, old), display(field, new)]
    if services_change is not None:
        old_names, new_names = services_change
        timeline_record(
            incident,
            kind=TimelineKind.FIELD_CHANGE,
            text=f"Affected services changed from {', '.join(old_names) or '(none)'} "
            f"to {', '.join(new_names) or '(none)'}.",
            actor=actor,
            data={"field": "services", "old": old_names, "new": new_names},
        )
        audit_changes["services"] = [old_names, new_names]
    audit_record(action="incident.updated", actor=actor, obj=incident, changes=audit_changes)
    if {"severity", "category"} & set(changed_fields):
        _follow_matching_playbook(incident, actor=actor)
    events.incident_facts_changed.publish(
        incident=incident,
        actor=actor,
        fields=frozenset(changed_fields) | ({"services"} if services_change is not None else set()),
    )
    return incident


@transaction.atomic
def incident_apply_matching_playbook(*, incident: Incident, actor: User | None) -> Incident:
    """Bring an incident declared before its playbook existed under that playbook
    (used when a plan is introduced for incidents already running)."""
    incident = lock_incident(incident)
    before = incident.playbook_id
    _follow_matching_playbook(incident, actor=actor)
    if incident.playbook_id != before:
        incident.version += 1
        incident.save(update_fields=["version", "updated_at"])
    return incident


def _follow_matching_playbook(incident: Incident, *, actor: User | None) -> None:
    """A re-classified incident (say, upgraded to SEV1) takes on the playbook that
    matches now, and its team if it has none yet; the tasks it already has stay."""
    playbook = playbook_for(category=incident.category, severity=incident.severity)
    if playbook is None or playbook.pk == incident.playbook_id:
        return
    incident.playbook = playbook
    update_fields = ["playbook", "updated_at"]
    pull_in = None
    if incident.team_id is None and playbook.team is not None and playbook.team.is_active:
        pull_in = incident.team = playbook.team
        update_fields.append("team")
    incident.save(update_fields=update_fields)
    now = timezone.now()
    if pull_in is not None:
        assign_team_roles(incident, team=pull_in, actor=actor, at=now)
    apply_playbook(incident, playbook=playbook, actor=actor, at=now)


@transaction.atomic
def incident_transition(
    *,
    incident: Incident,
    action: str,
    actor: User,
    note: str = "",
    at: datetime | None = None,
    inferred: bool = False,
) -> Incident:
    """Move an incident one step along its lifecycle and stamp the time.

    ``at`` lets integrations record the vendor's event time; it may not lie
    before detection or in the future. ``inferred`` marks a step nobody
    reported, stamped with a later step's time (a vendor resolve for an
    incident never acknowledged); :func:`incident_correct_inferred_stamp`
    replaces it with the real time if that arrives later.
    """
    sources, target, stamp_field = step_for(
        INCIDENT_TRANSITIONS, action, UNKNOWN_ACTION.format(action=action)
    )
    incident = lock_incident(incident)
    check_source(
        incident.status,
        sources,
        lambda allowed: TRANSITION_REFUSED.format(
            reference=incident.reference,
            done=INCIDENT_DONE_WORD[action],
            status=incident.status,
            action=action,
            allowed=allowed,
        ),
    )
    if action == IncidentAction.DECLINE and not note.strip():
        raise ValidationError({"note": "Say why this is not an incident."})
    at = _step_time(incident, at)
    old_status = incident.status
    _stamp_step(incident, action=action, target=target, stamp_field=stamp_field, at=at, inferred=inferred)
    text = TIMELINE["status_changed"].format(
        old=IncidentStatus(old_status).label, new=IncidentStatus(target).label
    )
    if note.strip():
        text += f" {note.strip()}"
    timeline_record(
        incident,
        kind=TimelineKind.STATUS_CHANGE,
        text=text,
        actor=actor,
        data={"action": action, "from": old_status, "to": target, "note": note.strip()},
        occurred_at=at,
    )
    audit_record(
        action=f"incident.{action}",
        actor=actor,
        obj=incident,
        changes={"status": [old_status, target], stamp_field: at, "note": note.strip()}
        | ({"inferred": True} if inferred else {}),
    )
    events.incident_status_changed.publish(
        incident=incident, actor=actor, action=action, previous_status=old_status, changed_at=at
    )
    return incident


def _step_time(incident: Incident, at: datetime | None) -> datetime:
    """When a lifecycle step happened: now, or a reported time that is not in the future and
    lies after detection and after the incident's latest step."""
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": "This time is in the future."})
    if at < incident.detected_at:
        raise ValidationError({"at": "This time is before the incident was detected."})
    latest_step = max(
        (
            stamp
            for stamp in (
                incident.acknowledged_at,
                incident.contained_at,
                incident.resolved_at,
                incident.closed_at,
                incident.reopened_at,
            )
            if stamp is not None
        ),
        default=None,
    )
    if latest_step is not None and at < latest_step:
        raise ValidationError({"at": "A lifecycle step cannot come before the previous one."})
    return at


def _stamp_step(
    incident: Incident, *, action: str, target: str, stamp_field: str, at: datetime, inferred: bool
) -> None:
    """Set the new status and the step's stamp, and save them."""
    incident.status = target
    setattr(incident, stamp_field, at)
    cleared = {stamp_field}
    update_fields = ["status", stamp_field, "version", "updated_at", "inferred_stamps"]
    if action == IncidentAction.REOPEN:
        # The previous resolution stays on the timeline and in the audit trail;
        # the stamps describe the current cycle so that MTTR stays true.
        incident.resolved_at = None
        incident.closed_at = None
        update_fields += ["resolved_at", "closed_at"]
        cleared |= {"resolved_at", "closed_at"}
    incident.inferred_stamps = [name for name in incident.inferred_stamps if name not in cleared]
    if inferred:
        incident.inferred_stamps.append(stamp_field)
    incident.version += 1
    incident.save(update_fields=update_fields)


def incident_acknowledge(
    *, incident: Incident, actor: User, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.ACKNOWLEDGE, actor=actor, note=note, at=at
    )


def incident_contain(
    *, incident: Incident, actor: User, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.CONTAIN, actor=actor, note=note, at=at
    )


def incident_resolve(
    *, incident: Incident, actor: User, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.RESOLVE, actor=actor, note=note, at=at
    )


def incident_close(
    *, incident: Incident, actor: User, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(incident=incident, action=IncidentAction.CLOSE, actor=actor, note=note, at=at)


def incident_decline(
    *, incident: Incident, actor: User, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.DECLINE, actor=actor, note=note, at=at
    )


def incident_reopen(
    *, incident: Incident, actor: User, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(incident=incident, action=IncidentAction.REOPEN, actor=actor, note=note, at=at)


@transaction.atomic
def incident_add_note(
    *, incident: Incident, actor: User, text: str, occurred_at: datetime | None = None
) -> TimelineEvent:
    text = text.strip()
    if not text:
        raise ValidationError({"text": "A note cannot be empty."})
    if occurred_at is not None and occurred_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"occurred_at": "This time is in the future."})
    incident = lock_incident(incident)
    event = timeline_record(incident, kind=TimelineKind.NOTE, text=text, actor=actor, occurred_at=occurred_at)
    audit_record(
        action="incident.note_added",
        actor=actor,
        obj=incident,
        changes={"timeline_event": event.pk, "text": text[:500]},
    )
    return event


@transaction.atomic
def incident_delete(*, incident: Incident, actor: User) -> None:
    """Remove an incident entered by mistake. Anything with evidence is kept
    (the database refuses), and the audit trail keeps what was removed."""
    incident = lock_incident(incident)
    audit_record(
        action="incident.deleted",
        actor=actor,
        obj=incident,
        changes={"reference": incident.reference, "title": incident.title, "status": incident.status},
    )
    incident.delete()
