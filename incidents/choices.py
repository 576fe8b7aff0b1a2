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


# --- response plan ------------------------------------------------------------------------------------

#: Slugs of the incident roles the portal itself relies on (seeded by migration 0002).
INCIDENT_COMMANDER_ROLE = "incident-commander"
COMMUNICATIONS_LEAD_ROLE = "communications-lead"


class CoverPosition(models.TextChoices):
    """Who of a team steps in for a role when an incident pulls the team in."""

    PRIMARY = "primary", "Primary"
    DEPUTY = "deputy", "Deputy"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


class TaskAction(models.TextChoices):
    COMPLETE = "complete", "Complete"
    SKIP = "skip", "Skip"
    REOPEN = "reopen", "Reopen"


#: action -> (statuses it may start from, status it leads to)
TASK_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    TaskAction.COMPLETE: (frozenset({TaskStatus.OPEN}), TaskStatus.DONE),
    TaskAction.SKIP: (frozenset({TaskStatus.OPEN}), TaskStatus.SKIPPED),
    TaskAction.REOPEN: (frozenset({TaskStatus.DONE, TaskStatus.SKIPPED}), TaskStatus.OPEN),
}

TASK_ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(target for sources, target in TASK_TRANSITIONS.values() if status in sources)
    for status in TaskStatus.values
}


def task_actions_available(status: str) -> list[str]:
    return [action for action, (sources, _) in TASK_TRANSITIONS.items() if status in sources]


class Milestone(models.TextChoices):
    """The incident stamps a playbook's escalation rule can wait for."""

    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CONTAINED = "contained", "Contained"
    RESOLVED = "resolved", "Resolved"


#: milestone -> the incident field that records it
MILESTONE_STAMPS: dict[str, str] = {
    Milestone.ACKNOWLEDGED: "acknowledged_at",
    Milestone.CONTAINED: "contained_at",
    Milestone.RESOLVED: "resolved_at",
}


class EscalationKind(models.TextChoices):
    ACKNOWLEDGE_TARGET = "acknowledge_target", "Acknowledge target missed"
    RESOLVE_TARGET = "resolve_target", "Resolve target missed"
    PLAYBOOK_RULE = "playbook_rule", "Playbook escalation rule"
    COMMUNICATION_OVERDUE = "communication_overdue", "Stakeholder communication overdue"


class Audience(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    EMPLOYEES = "employees", "Employees"
    EXECUTIVES = "executives", "Executives"
    BOARD = "board", "Board"
    REGULATORS = "regulators", "Regulators"
    DATA_SUBJECTS = "data_subjects", "Data subjects"
    PARTNERS = "partners", "Partners"
    MEDIA = "media", "Media"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    STATUS_PAGE = "status_page", "Status page"
    SMS = "sms", "SMS"
    LETTER = "letter", "Letter"


#: Channels whose bodies are HTML (autoescaped when rendered).
HTML_CHANNELS = frozenset({Channel.EMAIL})


class DeliveryStatus(models.TextChoices):
    """What became of a recorded communication (written only by the communication services)."""

    QUEUED = "queued", "Queued: sent when the transaction commits"
    SENT = "sent", "Sent by the portal"
    FAILED = "failed", "Sending failed"
    TO_POST = "to_post", "Recorded: to be posted by the operator"
    RECORDED = "recorded", "Recorded: sent outside the portal"


class ExerciseType(models.TextChoices):
    TABLETOP = "tabletop", "Tabletop exercise"
    SIMULATION = "simulation", "Simulation"
    FULL_DRILL = "full_drill", "Full drill"
