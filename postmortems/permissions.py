"""Every access rule of the post-mortems app, in one place.

Three kinds of rule, read by the API (``portal.permissions.RolePermission``
checks the maps), the pages (``RoleRequiredMixin`` checks the page
requirements, templates get the predicates' answers as ``can.<name>``) and
the services (which call the same predicates before they change anything):

- the API maps: which role permissions each endpoint needs;
- the page requirements: the same for each page;
- the predicates ``can_*``: whether *this* user may do *this* to *this*
  post-mortem or action item (the four-eyes rule of publishing, owners
  progressing their own action items). They look at role permissions and at
  the object only; whether the user may see the object at all is the
  selectors' job (an outsider gets 404 before any predicate is asked).
"""

from __future__ import annotations

from portal.users import Viewer
from postmortems.choices import ACTION_ITEM_CLOSED_STATUSES, EDITABLE_STATUSES, PostmortemStatus
from postmortems.messages import REFUSALS
from postmortems.models import ActionItem, Postmortem

VIEW_POSTMORTEM = ["postmortems.view_postmortem"]
CHANGE_POSTMORTEM = ["postmortems.view_postmortem", "postmortems.change_postmortem"]
VIEW_ACTION_ITEM = ["postmortems.view_postmortem", "postmortems.view_actionitem"]
ADD_POSTMORTEM = [*VIEW_POSTMORTEM, "postmortems.add_postmortem"]
ADD_ACTION_ITEM = [*VIEW_ACTION_ITEM, "postmortems.add_actionitem"]

# --- the API --------------------------------------------------------------------------------------------

POSTMORTEM_VIEWSET = {
    "submit_for_review": CHANGE_POSTMORTEM,
    # Reviewers, compliance officers and administrators: the service applies the four-eyes rule.
    "publish": VIEW_POSTMORTEM,
    "request_changes": VIEW_POSTMORTEM,
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
    "create": ADD_ACTION_ITEM,
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

# --- the pages ------------------------------------------------------------------------------------------

#: Reading pages: the lists, the editor (it becomes the reading view for those who may not edit).
PAGE_POSTMORTEMS = VIEW_POSTMORTEM
PAGE_START_POSTMORTEM = ADD_POSTMORTEM
#: Transitions check their own predicate; the page only needs the post-mortem to be readable.
PAGE_TRANSITION = VIEW_POSTMORTEM
PAGE_TIMELINE_MARKS = CHANGE_POSTMORTEM
PAGE_ACTION_ITEMS = VIEW_ACTION_ITEM
PAGE_ADD_ACTION_ITEM = ADD_ACTION_ITEM

# --- who may do what --------------------------------------------------------------------------------


def can_view_postmortems(user: Viewer) -> bool:
    return user.has_perms(VIEW_POSTMORTEM)


def can_view_action_items(user: Viewer) -> bool:
    return user.has_perm("postmortems.view_actionitem")


def can_start_postmortem(user: Viewer) -> bool:
    return user.has_perms(ADD_POSTMORTEM)


def can_write_postmortems(user: Viewer) -> bool:
    """Authors: they write post-mortems, own them, and mark timelines."""
    return user.has_perm("postmortems.change_postmortem")


def can_edit_postmortem(user: Viewer, postmortem: Postmortem) -> bool:
    """Authors edit a draft or a post-mortem in review; a published one is frozen until revised."""
    return postmortem.status in EDITABLE_STATUSES and can_write_postmortems(user)


def can_submit_postmortem(user: Viewer, postmortem: Postmortem) -> bool:
    return postmortem.status == PostmortemStatus.DRAFT and can_write_postmortems(user)


def can_revise_postmortem(user: Viewer, postmortem: Postmortem) -> bool:
    return postmortem.status == PostmortemStatus.PUBLISHED and can_write_postmortems(user)


def can_review_postmortems(user: Viewer) -> bool:
    """Who may be named as a reviewer: authors, and those who may publish."""
    return can_write_postmortems(user) or user.has_perm("postmortems.publish_postmortem")


def review_refusal(user: Viewer, postmortem: Postmortem) -> str | None:
    """Why ``user`` may not publish ``postmortem`` or send it back with changes (the four-eyes
    rule), or None. Whether it is in review at all is the lifecycle's question, not this one."""
    if user.pk == postmortem.owner_id:
        return REFUSALS["owner_reviews"]
    if user.pk == postmortem.submitted_by_id:
        return REFUSALS["submitter_reviews"]
    if user.has_perm("postmortems.publish_postmortem"):
        return None
    if (
        user.pk is not None
        and can_write_postmortems(user)
        and postmortem.reviewers.filter(pk=user.pk).exists()
    ):
        return None
    return REFUSALS["not_a_reviewer"]


def can_publish_postmortem(user: Viewer, postmortem: Postmortem) -> bool:
    return postmortem.status == PostmortemStatus.IN_REVIEW and review_refusal(user, postmortem) is None


def can_request_changes(user: Viewer, postmortem: Postmortem) -> bool:
    """The same people as for publishing: a reviewer either publishes or sends it back."""
    return can_publish_postmortem(user, postmortem)


def can_add_action_item(user: Viewer) -> bool:
    return user.has_perms(ADD_ACTION_ITEM)


def can_own_action_items(user: Viewer) -> bool:
    return user.has_perm("postmortems.view_actionitem")


def can_write_action_items(user: Viewer) -> bool:
    return user.has_perm("postmortems.change_actionitem")


def can_edit_action_item(user: Viewer, item: ActionItem) -> bool:
    """Authors edit an item while it is being worked on; a closed item is the record of what was done."""
    return item.status not in ACTION_ITEM_CLOSED_STATUSES and can_write_action_items(user)


def can_move_action_item(user: Viewer, item: ActionItem) -> bool:
    """Its owner moves it along without being an author; authors move any item."""
    return can_write_action_items(user) or (user.pk is not None and item.owner_id == user.pk)
