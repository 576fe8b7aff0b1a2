"""Every sentence the incidents app shows or writes about a step, in one reviewed table.

Pages (flash messages), services (timeline lines, written at the time of the
event with the person's display name so that history reads right after a
rename too) and refusals take their words from here. Each entry is a full
sentence with ``str.format`` fields; people are named with
``portal.users.display_name``, never by username.
"""

from __future__ import annotations

from incidents.choices import IncidentAction

#: After a lifecycle step succeeded (flash message on the incident page).
INCIDENT_DONE: dict[str, str] = {
    IncidentAction.ACKNOWLEDGE: "{reference} acknowledged.",
    IncidentAction.CONTAIN: "{reference} contained.",
    IncidentAction.RESOLVE: "{reference} resolved.",
    IncidentAction.CLOSE: "{reference} closed.",
    IncidentAction.DECLINE: "{reference} declined: recorded as not an incident.",
    IncidentAction.REOPEN: "{reference} reopened.",
}

#: The past participle of each step, for refusals ("cannot be contained").
INCIDENT_DONE_WORD: dict[str, str] = {
    IncidentAction.ACKNOWLEDGE: "acknowledged",
    IncidentAction.CONTAIN: "contained",
    IncidentAction.RESOLVE: "resolved",
    IncidentAction.CLOSE: "closed",
    IncidentAction.DECLINE: "declined",
    IncidentAction.REOPEN: "reopened",
}

#: A step refused because of the incident's status. The action and status names stay in the
#: sentence as written so that API clients can match on them.
TRANSITION_REFUSED = (
    "{reference} cannot be {done}: it is {status}, and {action} is only possible from {allowed}."
)
UNKNOWN_ACTION = "There is no step called {action!r}."

#: Lines written on the incident's timeline.
TIMELINE: dict[str, str] = {
    "declared": "{kind} declared with severity {severity} ({category}).",
    "status_changed": "Status changed from {old} to {new}.",
    "role_handed_over": "{role}: {old} handed over to {new}.",
    "role_taken": "{person} is now {role}.",
    "role_left": "{person} is no longer {role}.",
    "team_pulled_in": "Team {team} pulled in. {summary}.",
    "team_role_kept": "{role}: kept by its current holder",
    "team_role_nobody": "{role}: nobody available",
    "team_role_given": "{role}: {person} ({position})",
    "stamp_corrected": "{step} at {at}, reported by {source}; the time inferred earlier ({inferred}) is corrected.",
}

#: Everything else the pages say.
PAGE: dict[str, str] = {
    "declared": "{reference} declared.",
    "updated": "{reference} updated.",
    "role_updated": "{role} updated.",
    "role_missing": "Choose a role and a person.",
}
