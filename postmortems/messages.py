"""Every sentence the post-mortems app shows or writes about a step, in one reviewed table.

Pages (flash messages), services (lines on the incidents' timelines, written
at the time of the event with the person's display name so that history
reads right) and the access rules (refusals) take their words from here.
Each entry is a full sentence with ``str.format`` fields.
"""

from __future__ import annotations

from postmortems.choices import ActionItemAction, PostmortemAction

#: After a post-mortem's step succeeded (flash message on the page).
POSTMORTEM_DONE: dict[str, str] = {
    PostmortemAction.SUBMIT_FOR_REVIEW: "{reference} submitted for review.",
    PostmortemAction.PUBLISH: "{reference} published.",
    PostmortemAction.REVISE: "{reference} reopened as a draft; revision {revision} stays published as it was.",
    PostmortemAction.REQUEST_CHANGES: "{reference} sent back to {owner} with your comment.",
}

#: After an action item's step succeeded.
ACTION_ITEM_DONE: dict[str, str] = {
    ActionItemAction.START: "Work started on “{title}”.",
    ActionItemAction.COMPLETE: "“{title}” marked done.",
    ActionItemAction.WONT_DO: "“{title}” closed as won't do.",
}

#: Lines the post-mortem writes on the timelines of the incidents it covers.
INCIDENT_TIMELINE: dict[str, str] = {
    "created": "Post-mortem {reference} started by {actor}: {title}.",
    "published": "Post-mortem {reference} published by {actor} (revision {revision}): {title}.",
    "revised": "Post-mortem {reference} reopened for revision by {actor}; revision {revision} stays published.",
    "deleted": "Post-mortem {reference} deleted by {actor}.",
    "changes_requested": "Reviewer {actor} asked for changes to post-mortem {reference}: {comment}",
}

#: Everything else the pages say.
PAGE: dict[str, str] = {
    "started": "{reference} started from the {template} template, with the incidents' timelines imported.",
    "saved": "{reference} saved.",
    "saved_and_submitted": "{reference} saved and submitted for review.",
    "not_saved": "Nothing was saved: correct the fields marked below.",
    "not_submitted": "Not submitted for review: correct the fields marked below first.",
    "stale_postmortem": "{reference} changed since you opened it. Review the current version below, then try again.",
    "stale_item": "This item changed since you opened it. Check it below, then try again.",
    "item_added": "Action item “{title}” added.",
    "item_saved": "Action item saved.",
}

#: Why something is refused (the four-eyes rule, roles).
REFUSALS: dict[str, str] = {
    "role": "Your role does not allow this.",
    "owner_reviews": "You own this post-mortem: a reviewer, compliance officer or administrator publishes it.",
    "submitter_reviews": "You submitted this post-mortem for review: someone else publishes it.",
    "not_a_reviewer": "Only a listed reviewer, a compliance officer or an administrator may publish a "
    "post-mortem or ask for changes.",
    "move_item": "Only the item's owner or a post-mortem author can change its status.",
    "comment_needed": "Say what needs to change, so that the author knows what to do.",
}
