"""What each role needs for each post-mortems endpoint (checked by portal.permissions.RolePermission).

Rules about *which* user may act on *which* object (the four-eyes rule of
publishing, owners progressing their own action items) live in the services.
"""

from __future__ import annotations

from portal.users import Viewer

VIEW_POSTMORTEM = ["postmortems.view_postmortem"]
CHANGE_POSTMORTEM = ["postmortems.view_postmortem", "postmortems.change_postmortem"]
VIEW_ACTION_ITEM = ["postmortems.view_postmortem", "postmortems.view_actionitem"]

POSTMORTEM_VIEWSET = {
    "submit_for_review": CHANGE_POSTMORTEM,
    # Reviewers, compliance officers and administrators: the service applies the four-eyes rule.
    "publish": VIEW_POSTMORTEM,
    "revise": CHANGE_POSTMORTEM,
    "pdf": VIEW_POSTMORTEM,
    "markdown": VIEW_POSTMORTEM,
    "revisions": VIEW_POSTMORTEM,
    "timeline": {"GET": VIEW_POSTMORTEM, "POST": CHANGE_POSTMORTEM},
    "timeline_entry": {"PATCH": CHANGE_POSTMORTEM, "DELETE": CHANGE_POSTMORTEM},
}

ACTION_ITEM_VIEWSET = {
    "list": VIEW_ACTION_ITEM,
    "retrieve": VIEW_ACTION_ITEM,
    "create": [*VIEW_ACTION_ITEM, "postmortems.add_actionitem"],
    "partial_update": [*VIEW_ACTION_ITEM, "postmortems.change_actionitem"],
    "destroy": [*VIEW_ACTION_ITEM, "postmortems.delete_actionitem"],
    # An item's owner may move it along without being an author: the service checks who.
    "start": VIEW_ACTION_ITEM,
    "complete": VIEW_ACTION_ITEM,
    "wont_do": VIEW_ACTION_ITEM,
}

TEMPLATES = {
    "list": ["postmortems.view_postmortemtemplate"],
    "retrieve": ["postmortems.view_postmortemtemplate"],
}
FACTOR_CATEGORIES = {
    "list": ["postmortems.view_contributingfactorcategory"],
    "retrieve": ["postmortems.view_contributingfactorcategory"],
}
KPIS = {"GET": VIEW_ACTION_ITEM}


def can_view_postmortems(user: Viewer) -> bool:
    return user.has_perms(VIEW_POSTMORTEM)


def can_view_action_items(user: Viewer) -> bool:
    return user.has_perm("postmortems.view_actionitem")
