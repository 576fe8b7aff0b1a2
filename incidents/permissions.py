"""Every access rule of the incidents app, in one place.

Three kinds of rule, read by the API (``portal.permissions.RolePermission``
checks the maps), the pages (``RoleRequiredMixin`` checks the page
requirements, templates get the predicates' answers as ``can.<name>``) and
the selectors (which ask :func:`can_view_restricted`):

- the API maps: which role permissions each endpoint needs;
- the page requirements ``PAGE_*``: the same for each page;
- the predicates ``can_*``: whether this user may do this (to this incident
  or task). They look at role permissions and at the object only.

Restricted incidents are a second, row-level gate: every route under
``incidents/{id}/`` and every preview finds the incident through
``incidents.selectors.incident_list``, so an outsider gets 404 before any of
these permissions matter.
"""

from __future__ import annotations

from incidents.choices import INCIDENT_TRANSITIONS, TASK_TRANSITIONS
from incidents.models import Incident, IncidentTask
from portal.users import Viewer

VIEW_INCIDENT = ["incidents.view_incident"]
CHANGE_INCIDENT = ["incidents.view_incident", "incidents.change_incident"]
#: Declaring needs nothing else: whoever declares an incident sees it (its creator).
DECLARE_INCIDENT = ["incidents.add_incident"]
#: Sees restricted incidents of others too (compliance officers, administrators).
VIEW_RESTRICTED = "incidents.view_restricted_incident"
ADD_TIMELINE_NOTE = [*VIEW_INCIDENT, "incidents.add_timelineevent"]
ADD_EVIDENCE = [*VIEW_INCIDENT, "incidents.add_evidence"]
VIEW_EVIDENCE = [*VIEW_INCIDENT, "incidents.view_evidence"]
ASSIGN_ROLES = [*VIEW_INCIDENT, "incidents.add_roleassignment"]
ADD_COMMUNICATION = [*VIEW_INCIDENT, "incidents.add_communication"]

# --- the API --------------------------------------------------------------------------------------------

TASKS = {
    "GET": [*VIEW_INCIDENT, "incidents.view_incidenttask"],
    "POST": [*VIEW_INCIDENT, "incidents.add_incidenttask"],
}
TASK_TRANSITION = [*VIEW_INCIDENT, "incidents.change_incidenttask"]
COMMUNICATIONS = {
    "GET": [*VIEW_INCIDENT, "incidents.view_communication"],
    "POST": ADD_COMMUNICATION,
}
ESCALATIONS = {"GET": [*VIEW_INCIDENT, "incidents.view_escalation"]}
PULL_IN_TEAM = [*CHANGE_INCIDENT, "incidents.add_roleassignment"]
TIMELINE = {
    "GET": [*VIEW_INCIDENT, "incidents.view_timelineevent"],
    "POST": ADD_TIMELINE_NOTE,
}
#: Marking a timeline line "for regulators" (PATCH on a timeline entry).
TIMELINE_MARK = [*VIEW_INCIDENT, "incidents.change_timelineevent"]
EVIDENCE = {"GET": VIEW_EVIDENCE, "POST": ADD_EVIDENCE}
ROLES = {
    "GET": [*VIEW_INCIDENT, "incidents.view_roleassignment"],
    "POST": ASSIGN_ROLES,
}
KPIS = {"GET": VIEW_INCIDENT}

INCIDENT_VIEWSET = {
    "create": DECLARE_INCIDENT,
    "acknowledge": CHANGE_INCIDENT,
    "contain": CHANGE_INCIDENT,
    "resolve": CHANGE_INCIDENT,
    "close": CHANGE_INCIDENT,
    "decline": CHANGE_INCIDENT,
    "reopen": CHANGE_INCIDENT,
    "tasks": TASKS,
    "complete_task": TASK_TRANSITION,
    "skip_task": TASK_TRANSITION,
    "reopen_task": TASK_TRANSITION,
    "communications": COMMUNICATIONS,
    "escalations": ESCALATIONS,
    "team": PULL_IN_TEAM,
    "timeline": TIMELINE,
    "timeline_entry": TIMELINE_MARK,
    "evidence": EVIDENCE,
    "download_evidence": EVIDENCE,
    "roles": ROLES,
}

# Teams, team types and playbooks are configuration: everyone with a role reads
# them (model view permissions), administrators write them (add/change/delete).

#: Templates are written by administrators only; whoever can read incidents may list and preview them.
VIEW_TEMPLATE = [*VIEW_INCIDENT, "incidents.view_stakeholdertemplate"]
STAKEHOLDER_TEMPLATE_VIEWSET = {
    "list": VIEW_TEMPLATE,
    "retrieve": VIEW_TEMPLATE,
    "preview": VIEW_TEMPLATE,
    "versions": VIEW_TEMPLATE,
    "create": ["incidents.add_stakeholdertemplate"],
    "update": ["incidents.change_stakeholdertemplate"],
    "partial_update": ["incidents.change_stakeholdertemplate"],
    "destroy": ["incidents.delete_stakeholdertemplate"],
}

#: Exercises: responders and compliance officers plan and write them up; everyone with a role reads.
EXERCISE_VIEWSET = {
    "report": ["incidents.view_exercise"],
    "report_pdf": ["incidents.view_exercise"],
    "start": ["incidents.change_exercise", "incidents.add_incident"],
    "update": ["incidents.change_exercise"],
    "partial_update": ["incidents.change_exercise"],
    "destroy": ["incidents.delete_exercise"],
}

# --- the pages ------------------------------------------------------------------------------------------

PAGE_INCIDENTS = VIEW_INCIDENT
PAGE_DECLARE = DECLARE_INCIDENT
PAGE_EDIT = CHANGE_INCIDENT
PAGE_TRANSITION = CHANGE_INCIDENT
PAGE_NOTE = ADD_TIMELINE_NOTE
PAGE_TIMELINE_MARK = TIMELINE_MARK
PAGE_ASSIGN_ROLE = ASSIGN_ROLES
PAGE_ADD_EVIDENCE = ADD_EVIDENCE
PAGE_DOWNLOAD_EVIDENCE = VIEW_EVIDENCE
PAGE_TASK_TRANSITION = TASK_TRANSITION
PAGE_COMMUNICATION = ADD_COMMUNICATION

# --- who may do what --------------------------------------------------------------------------------


def can_view_incidents(user: Viewer) -> bool:
    return user.has_perms(VIEW_INCIDENT)


def can_view_restricted(user: Viewer) -> bool:
    """Restricted incidents of others too; without it, only those one declared or holds a role on."""
    return user.has_perm(VIEW_RESTRICTED)


def can_declare_incident(user: Viewer) -> bool:
    return user.has_perms(DECLARE_INCIDENT)


def can_change_incident(user: Viewer) -> bool:
    """Edit an incident's facts and move it along its lifecycle (responders, administrators)."""
    return user.has_perms(CHANGE_INCIDENT)


def can_transition_incident(user: Viewer, incident: Incident, action: str) -> bool:
    """Whether ``action`` is a button for ``user`` on ``incident``: the role may change incidents
    and the incident's status allows the step (the service refuses any other with a 409)."""
    return (
        action in INCIDENT_TRANSITIONS
        and incident.status in INCIDENT_TRANSITIONS[action][0]
        and can_change_incident(user)
    )


def can_add_timeline_note(user: Viewer) -> bool:
    return user.has_perms(ADD_TIMELINE_NOTE)


def can_mark_for_regulators(user: Viewer) -> bool:
    return user.has_perms(TIMELINE_MARK)


def can_assign_roles(user: Viewer) -> bool:
    return user.has_perms(ASSIGN_ROLES)


def can_add_evidence(user: Viewer) -> bool:
    return user.has_perms(ADD_EVIDENCE)


def can_download_evidence(user: Viewer) -> bool:
    return user.has_perms(VIEW_EVIDENCE)


def can_move_tasks(user: Viewer) -> bool:
    """Complete, skip or reopen checklist tasks (responders, administrators)."""
    return user.has_perms(TASK_TRANSITION)


def can_transition_task(user: Viewer, task: IncidentTask, action: str) -> bool:
    """Whether ``action`` is a button for ``user`` on ``task``: the role may move tasks and the
    task's status allows the step (the service refuses any other with a 409)."""
    return action in TASK_TRANSITIONS and task.status in TASK_TRANSITIONS[action][0] and can_move_tasks(user)


def can_add_communication(user: Viewer) -> bool:
    return user.has_perms(ADD_COMMUNICATION)
