"""How compliance follows the other apps: obligations are recomputed when the
facts they were computed from change.

The incidents app publishes its changes as domain events inside the
transaction of the change (``incidents/events.py``); the receivers here call
compliance's own service in that same transaction, so a failed recomputation
rolls the incident change back rather than leaving stale obligations.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from compliance.models import Assessment
from compliance.services import obligations_refresh
from incidents import events as incident_events
from incidents.models import Incident

#: Incident fields that feed the regime engine (or switch it off).
FACT_FIELDS = frozenset({"aware_at", "detected_at", "status", "resolved_at", "is_exercise"})
#: A lifecycle step changes the status and these stamps (reopening clears resolved_at).
_STEP_FIELDS = {"resolve": {"resolved_at"}, "reopen": {"resolved_at"}}


def _refresh(incident: Incident, actor: Any, changed: Iterable[str]) -> None:
    if not Assessment.objects.filter(incident_id=incident.pk).exists():
        return
    obligations_refresh(
        incident=incident, actor=actor, reason=f"incident changed ({', '.join(sorted(changed))})"
    )


def on_incident_facts_changed(*, incident: Incident, actor: Any, fields: Iterable[str]) -> None:
    changed = set(fields) & FACT_FIELDS
    if changed:
        _refresh(incident, actor, changed)


def on_incident_status_changed(
    *, incident: Incident, actor: Any, action: str, previous_status: str, changed_at: datetime
) -> None:
    _refresh(incident, actor, {"status", *_STEP_FIELDS.get(action, ())})


def subscribe() -> None:
    incident_events.incident_facts_changed.subscribe(
        on_incident_facts_changed, uid="compliance.obligations_follow_incident_facts"
    )
    incident_events.incident_status_changed.subscribe(
        on_incident_status_changed, uid="compliance.obligations_follow_incident_status"
    )
