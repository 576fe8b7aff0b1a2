"""What each role needs for each incidents endpoint (checked by portal.permissions.RolePermission)."""

VIEW_INCIDENT = ["incidents.view_incident"]
CHANGE_INCIDENT = ["incidents.view_incident", "incidents.change_incident"]

INCIDENT_VIEWSET = {
    "acknowledge": CHANGE_INCIDENT,
    "contain": CHANGE_INCIDENT,
    "resolve": CHANGE_INCIDENT,
    "close": CHANGE_INCIDENT,
    "decline": CHANGE_INCIDENT,
    "reopen": CHANGE_INCIDENT,
}

TIMELINE = {
    "GET": [*VIEW_INCIDENT, "incidents.view_timelineevent"],
    "POST": [*VIEW_INCIDENT, "incidents.add_timelineevent"],
}
EVIDENCE = {
    "GET": [*VIEW_INCIDENT, "incidents.view_evidence"],
    "POST": [*VIEW_INCIDENT, "incidents.add_evidence"],
}
ROLES = {
    "GET": [*VIEW_INCIDENT, "incidents.view_roleassignment"],
    "POST": [*VIEW_INCIDENT, "incidents.add_roleassignment"],
}
KPIS = {"GET": VIEW_INCIDENT}
