"""Every write that matters on incidents: one transaction each, with its
timeline entry and audit event, and the status only ever changed here."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import filetype
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from incidents.choices import INCIDENT_TRANSITIONS, IncidentAction, IncidentStatus, TimelineKind
from incidents.models import (
    Category,
    Evidence,
    Incident,
    IncidentRole,
    ReferenceCounter,
    RoleAssignment,
    Service,
    Severity,
    TimelineEvent,
)
from portal.audit import audit_record, model_changes
from portal.errors import PreconditionFailed, TransitionNotAllowed

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
# Clocks of laptops and vendors drift; a stamp slightly in the future is not an error.
_CLOCK_SKEW = timedelta(minutes=5)


def _next_reference(year: int) -> str:
    """Hand out the next number of ``year``; the row lock serialises callers."""
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"INC-{year}-{counter.last_number:04d}"


def _check_times(incident: Incident) -> None:
    errors: dict[str, str] = {}
    latest_allowed = timezone.now() + _CLOCK_SKEW
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


def _display(field: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
    return str(value)


def timeline_record(
    incident: Incident,
    *,
    kind: str,
    text: str,
    actor: AbstractBaseUser | None,
    data: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        incident=incident,
        kind=kind,
        text=text,
        author=actor if actor is not None and actor.is_authenticated else None,
        data=dict(data or {}),
        occurred_at=occurred_at or timezone.now(),
    )


@transaction.atomic
def incident_create(
    *,
    actor: AbstractBaseUser,
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
) -> Incident:
    """Declare an incident. ``declared_at`` backdates the declaration for
    imports of historical records; otherwise it is now."""
    declared_at = declared_at or timezone.now()
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
        text=f"{kind_word} declared with severity {severity.name} ({category.name}).",
        actor=actor,
        data={"severity": severity.name, "category": category.slug},
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
        },
    )
    return incident


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("severity", "category").get(pk=incident.pk)


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Incident:
    """Change editable fields; each changed field gets a timeline entry."""
    unknown = set(data) - set(EDITABLE_FIELDS) - {"services"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    incident = _lock(incident)
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
            text = f"{label} changed from {_display(field, old)} to {_display(field, new)}."
        timeline_record(
            incident,
            kind=TimelineKind.FIELD_CHANGE,
            text=text,
            actor=actor,
            data={"field": field, "old": changes[field][0], "new": changes[field][1]},
        )
        audit_changes[field] = [_display(field, old), _display(field, new)]
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
    return incident


@transaction.atomic
def incident_transition(
    *,
    incident: Incident,
    action: str,
    actor: AbstractBaseUser,
    note: str = "",
    at: datetime | None = None,
) -> Incident:
    """Move an incident one step along its lifecycle and stamp the time.

    ``at`` lets integrations record the vendor's event time; it may not lie
    before detection or in the future.
    """
    if action not in INCIDENT_TRANSITIONS:
        raise TransitionNotAllowed(f"Unknown action {action!r}.")
    sources, target, stamp_field = INCIDENT_TRANSITIONS[action]
    incident = _lock(incident)
    if incident.status not in sources:
        allowed = ", ".join(sorted(sources))
        raise TransitionNotAllowed(
            f"Cannot {action} {incident.reference}: it is {incident.status}; "
            f"{action} is only possible from {allowed}."
        )
    if action == IncidentAction.DECLINE and not note.strip():
        raise ValidationError({"note": "Say why this is not an incident."})
    now = timezone.now()
    at = at or now
    if at > now + _CLOCK_SKEW:
        raise ValidationError({"at": "This time is in the future."})
    if at < incident.detected_at:
        raise ValidationError({"at": "This time is before the incident was detected."})

    old_status = incident.status
    incident.status = target
    setattr(incident, stamp_field, at)
    update_fields = ["status", stamp_field, "version", "updated_at"]
    if action == IncidentAction.REOPEN:
        # The previous resolution stays on the timeline and in the audit trail;
        # the stamps describe the current cycle so that MTTR stays true.
        incident.resolved_at = None
        incident.closed_at = None
        update_fields += ["resolved_at", "closed_at"]
    incident.version += 1
    incident.save(update_fields=update_fields)
    text = f"Status changed from {IncidentStatus(old_status).label} to {IncidentStatus(target).label}."
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
        changes={"status": [old_status, target], stamp_field: at, "note": note.strip()},
    )
    return incident


def incident_acknowledge(
    *, incident: Incident, actor: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.ACKNOWLEDGE, actor=actor, note=note, at=at
    )


def incident_contain(
    *, incident: Incident, actor: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.CONTAIN, actor=actor, note=note, at=at
    )


def incident_resolve(
    *, incident: Incident, actor: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.RESOLVE, actor=actor, note=note, at=at
    )


def incident_close(
    *, incident: Incident, actor: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(incident=incident, action=IncidentAction.CLOSE, actor=actor, note=note, at=at)


def incident_decline(
    *, incident: Incident, actor: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(
        incident=incident, action=IncidentAction.DECLINE, actor=actor, note=note, at=at
    )


def incident_reopen(
    *, incident: Incident, actor: AbstractBaseUser, note: str = "", at: datetime | None = None
) -> Incident:
    return incident_transition(incident=incident, action=IncidentAction.REOPEN, actor=actor, note=note, at=at)


@transaction.atomic
def incident_add_note(
    *, incident: Incident, actor: AbstractBaseUser, text: str, occurred_at: datetime | None = None
) -> TimelineEvent:
    text = text.strip()
    if not text:
        raise ValidationError({"text": "A note cannot be empty."})
    if occurred_at is not None and occurred_at > timezone.now() + _CLOCK_SKEW:
        raise ValidationError({"occurred_at": "This time is in the future."})
    incident = _lock(incident)
    event = timeline_record(incident, kind=TimelineKind.NOTE, text=text, actor=actor, occurred_at=occurred_at)
    audit_record(
        action="incident.note_added",
        actor=actor,
        obj=incident,
        changes={"timeline_event": event.pk, "text": text[:500]},
    )
    return event


@transaction.atomic
def incident_assign_role(
    *, incident: Incident, role: IncidentRole, user: AbstractBaseUser | None, actor: AbstractBaseUser
) -> RoleAssignment | None:
    """Give ``role`` to ``user`` (or vacate it with ``user=None``); the previous
    holder's assignment is ended, never deleted, so the history stays."""
    incident = _lock(incident)
    now = timezone.now()
    current = (
        RoleAssignment.objects.select_for_update()
        .select_related("user")
        .filter(incident=incident, role=role, ended_at__isnull=True)
        .first()
    )
    if current is not None and user is not None and current.user_id == user.pk:
        return current
    if current is None and user is None:
        return None
    if current is not None:
        current.ended_at = now
        current.ended_by = actor
        current.save(update_fields=["ended_at", "ended_by"])
    assignment = None
    if user is not None:
        if not user.is_active:
            raise ValidationError({"user": "This user is deactivated."})
        assignment = RoleAssignment.objects.create(
            incident=incident, role=role, user=user, assigned_at=now, assigned_by=actor
        )
    old_name = current.user.get_username() if current is not None else None
    new_name = user.get_username() if user is not None else None
    if new_name and old_name:
        text = f"{role.name}: {old_name} handed over to {new_name}."
    elif new_name:
        text = f"{new_name} is now {role.name}."
    else:
        text = f"{old_name} is no longer {role.name}."
    timeline_record(
        incident,
        kind=TimelineKind.ROLE_CHANGE,
        text=text,
        actor=actor,
        data={"role": role.slug, "from": old_name, "to": new_name},
    )
    audit_record(
        action="incident.role_assigned",
        actor=actor,
        obj=incident,
        changes={"role": role.slug, "holder": [old_name, new_name]},
    )
    return assignment


# --- evidence ---------------------------------------------------------------

_SNIFF_BYTES = 64 * 1024


def detect_content_type(head: bytes) -> str | None:
    """Type of a file from its first bytes, never from the client's claim.

    Binary formats are recognised by their signatures; anything else counts
    as plain text only when it is valid UTF-8 without NUL bytes.
    """
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the sniffing window is still text.
        if exc.start < len(head) - 4:
            return None
    return "text/plain"


class _HashingFile(File):
    """Wraps an upload so that storing it also measures and hashes it, in one pass."""

    def __init__(self, upload: UploadedFile, limit: int) -> None:
        super().__init__(upload.file, name=upload.name)
        self._upload = upload
        self._limit = limit
        self.sha256 = hashlib.sha256()
        self.bytes_seen = 0

    def chunks(self, chunk_size: int | None = None) -> Any:
        for chunk in self._upload.chunks(chunk_size):
            self.bytes_seen += len(chunk)
            if self.bytes_seen > self._limit:
                raise ValidationError({"file": f"The file is larger than {self._limit} bytes."})
            self.sha256.update(chunk)
            yield chunk


@transaction.atomic
def evidence_add(
    *, incident: Incident, actor: AbstractBaseUser, upload: UploadedFile, description: str = ""
) -> Evidence:
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"file": f"The file is larger than the limit of {limit} bytes."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    content_type = detect_content_type(head)
    if content_type is None or content_type not in settings.EVIDENCE_ALLOWED_TYPES:
        shown = content_type or "unrecognised binary data"
        raise ValidationError({"file": f"This type of file is not accepted as evidence ({shown})."})
    incident = _lock(incident)
    original_name = (upload.name or "evidence").replace("\x00", "")[-255:]
    hashing = _HashingFile(upload, limit)
    evidence = Evidence(
        incident=incident,
        original_name=original_name,
        content_type=content_type,
        size=0,
        sha256="",
        description=description,
        uploaded_by=actor,
    )
    name = evidence.file.field.generate_filename(evidence, original_name)
    try:
        stored_name = evidence.file.storage.save(name, hashing)
    except ValidationError:
        evidence.file.storage.delete(name)
        raise
    evidence.file.name = stored_name
    # If anything below fails the row rolls back; the stored file must go too.
    try:
        evidence.size = hashing.bytes_seen
        evidence.sha256 = hashing.sha256.hexdigest()
        evidence.save(force_insert=True)
        timeline_record(
            incident,
            kind=TimelineKind.EVIDENCE,
            text=f"Evidence added: {original_name} ({evidence.size} bytes, SHA-256 {evidence.sha256[:12]}…).",
            actor=actor,
            data={"evidence": evidence.pk, "sha256": evidence.sha256, "name": original_name},
        )
        audit_record(
            action="evidence.added",
            actor=actor,
            obj=evidence,
            changes={
                "incident": incident.reference,
                "name": original_name,
                "sha256": evidence.sha256,
                "size": evidence.size,
                "content_type": content_type,
            },
        )
    except Exception:
        evidence.file.storage.delete(stored_name)
        raise
    return evidence


@transaction.atomic
def incident_delete(*, incident: Incident, actor: AbstractBaseUser) -> None:
    """Remove an incident entered by mistake. Anything with evidence is kept
    (the database refuses), and the audit trail keeps what was removed."""
    incident = _lock(incident)
    audit_record(
        action="incident.deleted",
        actor=actor,
        obj=incident,
        changes={"reference": incident.reference, "title": incident.title, "status": incident.status},
    )
    incident.delete()
