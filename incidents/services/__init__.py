"""Every write that matters on incidents and their response plan: one
transaction each, with its timeline entry and audit event.

The services live in one module per part of the domain; everything public is
importable from here (``from incidents import services``).
"""

from incidents.services.base import (
    CLOCK_SKEW,
    display,
    lock_incident,
    timeline_mark_for_regulators,
    timeline_record,
)
from incidents.services.communications import (
    TEMPLATE_VARIABLES,
    RenderedMessage,
    communication_deliver,
    communication_send,
    render_stakeholder_message,
    stakeholder_template_create,
    stakeholder_template_delete,
    stakeholder_template_update,
    template_context,
    validate_stakeholder_template,
)
from incidents.services.escalations import DueEscalation, escalation_fire, escalations_due, escalations_run
from incidents.services.evidence import detect_content_type, evidence_add
from incidents.services.exercises import exercise_create, exercise_delete, exercise_start, exercise_update
from incidents.services.incidents import (
    EDITABLE_FIELDS,
    incident_acknowledge,
    incident_add_note,
    incident_apply_matching_playbook,
    incident_close,
    incident_contain,
    incident_create,
    incident_decline,
    incident_delete,
    incident_reopen,
    incident_resolve,
    incident_transition,
    incident_update,
)
from incidents.services.playbooks import apply_playbook, playbook_for, playbook_save
from incidents.services.roster import (
    assign_team_roles,
    incident_assign_role,
    incident_pull_in_team,
    team_save,
)
from incidents.services.stamps import incident_correct_inferred_stamp
from incidents.services.tasks import task_complete, task_create, task_reopen, task_skip, task_transition

__all__ = [
    "CLOCK_SKEW",
    "EDITABLE_FIELDS",
    "TEMPLATE_VARIABLES",
    "DueEscalation",
    "RenderedMessage",
    "apply_playbook",
    "assign_team_roles",
    "communication_deliver",
    "communication_send",
    "detect_content_type",
    "display",
    "escalation_fire",
    "escalations_due",
    "escalations_run",
    "evidence_add",
    "exercise_create",
    "exercise_delete",
    "exercise_start",
    "exercise_update",
    "incident_acknowledge",
    "incident_add_note",
    "incident_apply_matching_playbook",
    "incident_assign_role",
    "incident_close",
    "incident_contain",
    "incident_correct_inferred_stamp",
    "incident_create",
    "incident_decline",
    "incident_delete",
    "incident_pull_in_team",
    "incident_reopen",
    "incident_resolve",
    "incident_transition",
    "incident_update",
    "lock_incident",
    "playbook_for",
    "playbook_save",
    "render_stakeholder_message",
    "stakeholder_template_create",
    "stakeholder_template_delete",
    "stakeholder_template_update",
    "task_complete",
    "task_create",
    "task_reopen",
    "task_skip",
    "task_transition",
    "team_save",
    "template_context",
    "timeline_mark_for_regulators",
    "timeline_record",
    "validate_stakeholder_template",
]
