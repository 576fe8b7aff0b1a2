"""Correcting lifecycle stamps that were inferred: when the real time of a step nobody reported
arrives late (a vendor's acknowledge after its resolve), it replaces the inferred one."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents import events
from incidents.choices import TimelineKind
from incidents.messages import TIMELINE
from incidents.models import Incident
from incidents.services.base import check_not_future, display, lock_incident, record_change
from portal.errors import PreconditionFailed
from portal.users import User

#: Lifecycle stamps in the order the steps happen; a corrected stamp stays between its neighbours.
_STAMP_ORDER = ("acknowledged_at", "contained_at", "resolved_at", "closed_at")
_STAMP_LABELS = {
    "acknowledged_at": "Acknowledged",
    "contained_at": "Contained",
    "resolved_at": "Resolved",
    "closed_at": "Closed",
}


@transaction.atomic
def incident_correct_inferred_stamp(
    *, incident: Incident, stamp_field: str, at: datetime, actor: User, source: str
) -> Incident:
    """Replace an inferred lifecycle stamp by the real time reported late (``source`` says by whom).

    Only an inferred stamp moves, and only to a time between detection and
    the neighbouring stamps, so a stamp that came from a real event is never
    moved and the lifecycle stays in order. The stamp is real afterwards.
    """
    incident = lock_incident(incident)
    if stamp_field not in incident.inferred_stamps:
        raise PreconditionFailed(f"The {stamp_field} of {incident.reference} was reported, not inferred.")
    check_not_future(at, "at")
    position = _STAMP_ORDER.index(stamp_field)
    earlier = [getattr(incident, name) for name in _STAMP_ORDER[:position]]
    later = [getattr(incident, name) for name in _STAMP_ORDER[position + 1 :]]
    floor = max([incident.detected_at, *(stamp for stamp in earlier if stamp is not None)])
    ceiling = min((stamp for stamp in later if stamp is not None), default=None)
    if at < floor or (ceiling is not None and at > ceiling):
        raise ValidationError({"at": "This time is outside the incident's lifecycle steps around it."})
    old = getattr(incident, stamp_field)
    setattr(incident, stamp_field, at)
    incident.inferred_stamps = [name for name in incident.inferred_stamps if name != stamp_field]
    incident.version += 1
    incident.save(update_fields=[stamp_field, "inferred_stamps", "version", "updated_at"])
    label = _STAMP_LABELS[stamp_field]
    record_change(
        incident,
        obj=incident,
        actor=actor,
        kind=TimelineKind.FIELD_CHANGE,
        text=TIMELINE["stamp_corrected"].format(
            step=label, at=display(stamp_field, at), source=source, inferred=display(stamp_field, old)
        ),
        data={"field": stamp_field, "old": old.isoformat() if old else None, "new": at.isoformat()},
        audit_action="incident.stamp_corrected",
        audit_changes={stamp_field: [old, at], "inferred": [True, False], "source": source},
        occurred_at=at,
    )
    events.incident_facts_changed.publish(incident=incident, actor=actor, fields=frozenset({stamp_field}))
    return incident
