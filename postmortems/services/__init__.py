"""Every write that matters on post-mortems and action items.

One transaction each, with its audit event; creating, publishing, revising
and deleting a post-mortem also land on the covered incidents' timelines, so
that the incident's story is complete in one place. Statuses change only here.

The services live in one module per part of the domain; everything public is
importable from here (``from postmortems import services``).
"""

from postmortems.models import PostmortemTemplate
from postmortems.services.action_items import (
    action_item_complete,
    action_item_create,
    action_item_delete,
    action_item_start,
    action_item_transition,
    action_item_update,
    action_item_wont_do,
)
from postmortems.services.base import (
    ACTION_ITEM_FIELDS,
    EDITABLE_FIELDS,
    MAX_FACTORS,
    MAX_IMPORTED_EVENTS,
    MAX_INCIDENTS,
    MAX_WHYS,
    RESOLVED_STATUSES,
    TIMELINE_ENTRY_FIELDS,
    QualityGateFailed,
)
from postmortems.services.lifecycle import (
    MAX_COMMENT,
    postmortem_publish,
    postmortem_request_changes,
    postmortem_revise,
    postmortem_submit_for_review,
    publish_refusal,
)
from postmortems.services.postmortems import (
    postmortem_create,
    postmortem_delete,
    postmortem_update,
)
from postmortems.services.reminders import (
    action_item_send_reminder,
    action_item_send_reminders,
    logger,
)
from postmortems.services.timeline import (
    timeline_entry_add,
    timeline_entry_delete,
    timeline_entry_update,
)

__all__ = [
    "ACTION_ITEM_FIELDS",
    "EDITABLE_FIELDS",
    "MAX_COMMENT",
    "MAX_FACTORS",
    "MAX_IMPORTED_EVENTS",
    "MAX_INCIDENTS",
    "MAX_WHYS",
    "RESOLVED_STATUSES",
    "TIMELINE_ENTRY_FIELDS",
    "PostmortemTemplate",
    "QualityGateFailed",
    "action_item_complete",
    "action_item_create",
    "action_item_delete",
    "action_item_send_reminder",
    "action_item_send_reminders",
    "action_item_start",
    "action_item_transition",
    "action_item_update",
    "action_item_wont_do",
    "logger",
    "postmortem_create",
    "postmortem_delete",
    "postmortem_publish",
    "postmortem_request_changes",
    "postmortem_revise",
    "postmortem_submit_for_review",
    "postmortem_update",
    "publish_refusal",
    "timeline_entry_add",
    "timeline_entry_delete",
    "timeline_entry_update",
]
