"""Building blocks of the incident services: the row lock, the checks of a lifecycle step, and
the two traces of every change (its timeline line and its audit event).

A step (of an incident or of one of its tasks) is: look the action up in its
transition table (:func:`step_for`), lock the row, check that the current
status is one of the step's sources (:func:`check_source`), stamp and save,
then write its timeline line and audit event (:func:`record_change`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db.models import Model
from django.utils import timezone

from incidents.models import Incident, TimelineEvent
from portal.audit import audit_record
from portal.errors import TransitionNotAllowed
from portal.users import User, Viewer

_Step = TypeVar("_Step", bound=tuple[Any, ...])

# Clocks of laptops and vendors drift; a stamp slightly in the future is not an error.
CLOCK_SKEW = timedelta(minutes=5)


def display(field: str, value: Any) -> str:
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
    actor: User | None,
    data: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> TimelineEvent:
    """Append a line to an incident's timeline, inside the caller's transaction.

    Other apps (compliance, post-mortems) record their steps here too, so that
    the incident's story is complete in one place.
    """
    return TimelineEvent.objects.create(
        incident=incident,
        kind=kind,
        text=text,
        author=actor if actor is not None and actor.is_authenticated else None,
        data=dict(data or {}),
        occurred_at=occurred_at or timezone.now(),
    )


def record_change(
    incident: Incident,
    *,
    obj: Model,
    actor: User,
    kind: str,
    text: str,
    data: Mapping[str, Any],
    audit_action: str,
    audit_changes: Mapping[str, Any],
    occurred_at: datetime | None = None,
) -> TimelineEvent:
    """Tell a change on the incident's timeline and keep it in the audit log (on ``obj``), in the
    caller's transaction."""
    event = timeline_record(incident, kind=kind, text=text, actor=actor, data=data, occurred_at=occurred_at)
    audit_record(action=audit_action, actor=actor, obj=obj, changes=dict(audit_changes))
    return event


def step_for(transitions: Mapping[str, _Step], action: str, unknown: str) -> _Step:
    """``action``'s row of a transition table (its sources first), or 409 with ``unknown``."""
    if action not in transitions:
        raise TransitionNotAllowed(unknown)
    return transitions[action]


def check_source(status: str, sources: frozenset[str], refusal: Callable[[str], str]) -> None:
    """Refuse (409) a step from a status that is not one of its sources; ``refusal`` words it
    from the sources it is possible from."""
    if status not in sources:
        raise TransitionNotAllowed(refusal(", ".join(sorted(sources))))


def lock_incident(incident: Incident) -> Incident:
    """Re-read the incident with a row lock; every write to an incident starts here."""
    return Incident.objects.select_for_update().select_related("severity", "category").get(pk=incident.pk)


def check_not_future(value: datetime | None, field: str) -> None:
    from django.core.exceptions import ValidationError

    if value is not None and value > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: "This time is in the future."})


def timeline_mark_for_regulators(
    *, event: TimelineEvent, actor: Viewer, for_regulators: Any
) -> TimelineEvent:
    """Mark (or unmark) one timeline line as fit for a regulator report.

    The change is itself told on the timeline and kept in the audit log."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from incidents.choices import TimelineKind

    if not isinstance(for_regulators, bool):
        raise ValidationError({"for_regulators": "Choose true or false."})
    with transaction.atomic():
        incident = lock_incident(event.incident)
        current = TimelineEvent.objects.select_for_update().get(pk=event.pk, incident=incident)
        if current.for_regulators == for_regulators:
            return current
        current.for_regulators = for_regulators
        current.save(update_fields=["for_regulators"])
        audit_record(
            action="timeline.for_regulators",
            actor=actor,
            obj=current,
            changes={"for_regulators": [not for_regulators, for_regulators]},
        )
        timeline_record(
            incident,
            kind=TimelineKind.NOTE,
            text=(
                f"Timeline entry #{current.pk} marked for regulators."
                if for_regulators
                else f"Timeline entry #{current.pk} no longer marked for regulators."
            ),
            actor=actor if isinstance(actor, User) else None,
            data={"event": current.pk, "for_regulators": for_regulators},
        )
        return current
