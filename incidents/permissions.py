"""What each role needs for each incidents endpoint (checked by portal.permissions.RolePermission).

Every rule of the incidents app is here. Restricted incidents are a second,
row-level gate: every route under ``incidents/{id}/`` and every preview finds
the incident through ``incidents.selectors.incident_list``, so an outsider
gets 404 before any of these permissions matter.
"""

from __future__ import annotations

from portal.users import Viewer

VIEW_INCIDENT = ["incidents.view_incident"]
CHANGE_INCIDENT = ["incidents.view_incident", "incidents.change_incident"]

TASKS = {
    "GET": [*VIEW_INCIDENT, "incidents.view_incidenttask"],
    "POST": [*VIEW_INCIDENT, "incidents.add_incidenttask"],
}
TASK_TRANSITION = [*VIEW_INCIDENT, "incidents.change_incidenttask"]
COMMUNICATIONS = {
    "GET": [*VIEW_INCIDENT, "incidents.view_communication"],
    "POST": [*VIEW_INCIDENT, "incidents.add_communication"],
}
ESCALATIONS = {"GET": [*VIEW_INCIDENT, "incidents.view_escalation"]}
PULL_IN_TEAM = [*CHANGE_INCIDENT, "incidents.add_roleassignment"]

INCIDENT_VIEWSET = {
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
}

TIMELINE = {
    "GET": [*VIEW_INCIDENT, "incidents.view_timelineevent"],
    "POST": [*VIEW_INCIDENT, "incidents.add_timelineevent"],
}
#: Marking a timeline line "for regulators" (PATCH on a timeline entry).
TIMELINE_MARK = [*VIEW_INCIDENT, "incidents.change_timelineevent"]
EVIDENCE = {
    "GET": [*VIEW_INCIDENT, "incidents.view_evidence"],
    "POST": [*VIEW_INCIDENT, "incidents.add_evidence"],
}
ROLES = {
    "GET": [*VIEW_INCIDENT, "incidents.view_roleassignment"],
    "POST": [*VIEW_INCIDENT, "incidents.add_roleassignment"],
}
KPIS = {"GET": VIEW_INCIDENT}

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


def can_view_incidents(user: Viewer) -> bool:
    return user.has_perms(VIEW_INCIDENT)


def can_mark_for_regulators(user: Viewer) -> bool:
    return user.has_perms(TIMELINE_MARK)
