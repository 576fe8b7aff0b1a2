"""What each role needs for each compliance endpoint (checked by portal.permissions.RolePermission)."""

from __future__ import annotations

from portal.users import Viewer

VIEW_COMPLIANCE = ["compliance.view_compliance"]

ASSESS = {"POST": VIEW_COMPLIANCE}
DESIGNATIONS = {"GET": VIEW_COMPLIANCE}
DEADLINES_FEED = {"GET": ["compliance.view_obligation"]}
FEED_ROTATE = {"POST": ["compliance.view_obligation"]}
REGISTER = {"GET": ["compliance.view_assessment"]}

OBLIGATIONS = {
    "not_required": ["compliance.view_obligation", "compliance.change_obligation"],
    "reopen": ["compliance.view_obligation", "compliance.change_obligation"],
}
REPORTS = {
    "submit_for_review": ["compliance.view_regulatorreport", "compliance.change_regulatorreport"],
    "request_changes": ["compliance.view_regulatorreport", "compliance.approve_regulatorreport"],
    "approve": ["compliance.view_regulatorreport", "compliance.approve_regulatorreport"],
    "withdraw": ["compliance.view_regulatorreport", "compliance.change_regulatorreport"],
    "submit": ["compliance.view_regulatorreport", "compliance.submit_regulatorreport"],
    "pdf": ["compliance.view_regulatorreport"],
    "create": ["compliance.view_obligation", "compliance.add_regulatorreport"],
    "destroy": ["compliance.view_regulatorreport", "compliance.change_regulatorreport"],
}
ASSESSMENTS = {"create": ["compliance.view_assessment", "compliance.add_assessment"]}


def can_view_obligations(user: Viewer) -> bool:
    return user.has_perm("compliance.view_obligation")
