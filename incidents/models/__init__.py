"""Models of the incidents app, one module per part of the domain."""

from incidents.models.communications import Communication, StakeholderTemplate, StakeholderTemplateVersion
from incidents.models.exercises import Exercise
from incidents.models.incident import (
    Category,
    Evidence,
    Incident,
    IncidentRole,
    ReferenceCounter,
    RoleAssignment,
    Service,
    Severity,
    TimelineEvent,
    colour_validator,
    evidence_upload_to,
)
from incidents.models.kpi import KpiMonth
from incidents.models.plan import (
    CommunicationGuideline,
    Escalation,
    EscalationContact,
    IncidentTask,
    Playbook,
    PlaybookEscalationRule,
    PlaybookTask,
    Team,
    TeamMember,
    TeamRoleCover,
    TeamType,
)

__all__ = [
    "Category",
    "Communication",
    "CommunicationGuideline",
    "Escalation",
    "EscalationContact",
    "Evidence",
    "Exercise",
    "Incident",
    "IncidentRole",
    "IncidentTask",
    "KpiMonth",
    "Playbook",
    "PlaybookEscalationRule",
    "PlaybookTask",
    "ReferenceCounter",
    "RoleAssignment",
    "Service",
    "Severity",
    "StakeholderTemplate",
    "StakeholderTemplateVersion",
    "Team",
    "TeamMember",
    "TeamRoleCover",
    "TeamType",
    "TimelineEvent",
    "colour_validator",
    "evidence_upload_to",
]
