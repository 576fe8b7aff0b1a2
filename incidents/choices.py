"""Every status and kind of the incidents app, and the allowed lifecycle steps."""

from __future__ import annotations

from django.db import models


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CONTAINED = "contained", "Contained"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined (not an incident)"


OPEN_STATUSES = frozenset({IncidentStatus.REPORTED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.CONTAINED})


class IncidentAction(models.TextChoices):
    """The named transitions of the lifecycle (also the API action names)."""

    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    CONTAIN = "contain", "Contain"
    RESOLVE = "resolve", "Resolve"
    CLOSE = "close", "Close"
    DECLINE = "decline", "Decline"
    REOPEN = "reopen", "Reopen"


#: action -> (statuses it may start from, status it leads to, stamp field it sets)
INCIDENT_TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    IncidentAction.ACKNOWLEDGE: (
        frozenset({IncidentStatus.REPORTED}),
        IncidentStatus.ACKNOWLEDGED,
        "acknowledged_at",
    ),
    IncidentAction.CONTAIN: (
        frozenset({IncidentStatus.ACKNOWLEDGED}),
        IncidentStatus.CONTAINED,
        "contained_at",
    ),
    IncidentAction.RESOLVE: (frozenset({IncidentStatus.CONTAINED}), IncidentStatus.RESOLVED, "resolved_at"),
    IncidentAction.CLOSE: (frozenset({IncidentStatus.RESOLVED}), IncidentStatus.CLOSED, "closed_at"),
    IncidentAction.DECLINE: (
        frozenset({IncidentStatus.REPORTED, IncidentStatus.ACKNOWLEDGED}),
        IncidentStatus.DECLINED,
        "declined_at",
    ),
    IncidentAction.REOPEN: (
        frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED}),
        IncidentStatus.ACKNOWLEDGED,
        "reopened_at",
    ),
}

#: status -> statuses reachable in one step (derived, for display and docs)
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(target for sources, target, _ in INCIDENT_TRANSITIONS.values() if status in sources)
    for status in IncidentStatus.values
}


def actions_available(status: str) -> list[str]:
    return [action for action, (sources, _, _) in INCIDENT_TRANSITIONS.items() if status in sources]


class TimelineKind(models.TextChoices):
    STATUS_CHANGE = "status_change", "Status change"
    FIELD_CHANGE = "field_change", "Field change"
    NOTE = "note", "Note"
    ROLE_CHANGE = "role_change", "Role change"
    EVIDENCE = "evidence", "Evidence"
    DECLARED = "declared", "Declared"
    TASK = "task", "Task"
    COMMUNICATION = "communication", "Communication"
    ESCALATION = "escalation", "Escalation"
    COMPLIANCE = "compliance", "Compliance"
    OBLIGATION = "obligation", "Obligation"
    REPORT = "report", "Regulator report"
    POSTMORTEM = "postmortem", "Post-mortem"
    INTEGRATION = "integration", "Integration"
