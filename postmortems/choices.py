"""Every status and kind of the post-mortems app, and the allowed lifecycle steps."""

from __future__ import annotations

from django.db import models


class PostmortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


#: Statuses in which the document may still be edited; a published one is frozen until revised.
EDITABLE_STATUSES = frozenset({PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW})


class PostmortemAction(models.TextChoices):
    """The named transitions of the lifecycle (also the API action names)."""

    SUBMIT_FOR_REVIEW = "submit_for_review", "Submit for review"
    PUBLISH = "publish", "Publish"
    REVISE = "revise", "Revise"
    REQUEST_CHANGES = "request_changes", "Request changes"


#: action -> (statuses it may start from, status it leads to)
POSTMORTEM_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    PostmortemAction.SUBMIT_FOR_REVIEW: (frozenset({PostmortemStatus.DRAFT}), PostmortemStatus.IN_REVIEW),
    PostmortemAction.PUBLISH: (frozenset({PostmortemStatus.IN_REVIEW}), PostmortemStatus.PUBLISHED),
    PostmortemAction.REVISE: (frozenset({PostmortemStatus.PUBLISHED}), PostmortemStatus.DRAFT),
    # A reviewer sends it back to its author with a comment; the author edits and submits again.
    PostmortemAction.REQUEST_CHANGES: (frozenset({PostmortemStatus.IN_REVIEW}), PostmortemStatus.DRAFT),
}

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(target for sources, target in POSTMORTEM_TRANSITIONS.values() if status in sources)
    for status in PostmortemStatus.values
}


def postmortem_actions_available(status: str) -> list[str]:
    return [action for action, (sources, _) in POSTMORTEM_TRANSITIONS.items() if status in sources]


class TimelineAssessment(models.TextChoices):
    """How sure the post-mortem is of one line of its timeline."""

    UNMARKED = "unmarked", "Not assessed"
    FACT = "fact", "Fact"
    HYPOTHESIS = "hypothesis", "Hypothesis"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


#: Statuses in which an item still needs work (and can be overdue).
ACTION_ITEM_OPEN_STATUSES = frozenset({ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS})
ACTION_ITEM_CLOSED_STATUSES = frozenset({ActionItemStatus.DONE, ActionItemStatus.WONT_DO})


class ActionItemAction(models.TextChoices):
    START = "start", "Start"
    COMPLETE = "complete", "Complete"
    WONT_DO = "wont_do", "Won't do"


#: action -> (statuses it may start from, status it leads to). Declining an item
#: before work started is allowed; completing it is not (it has to be started).
ACTION_ITEM_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    ActionItemAction.START: (frozenset({ActionItemStatus.OPEN}), ActionItemStatus.IN_PROGRESS),
    ActionItemAction.COMPLETE: (frozenset({ActionItemStatus.IN_PROGRESS}), ActionItemStatus.DONE),
    ActionItemAction.WONT_DO: (
        frozenset({ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS}),
        ActionItemStatus.WONT_DO,
    ),
}

ACTION_ITEM_ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(target for sources, target in ACTION_ITEM_TRANSITIONS.values() if status in sources)
    for status in ActionItemStatus.values
}


def action_item_actions_available(status: str) -> list[str]:
    return [action for action, (sources, _) in ACTION_ITEM_TRANSITIONS.items() if status in sources]


class ActionItemPriority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


#: priority -> rank for ordering (1 = most urgent)
PRIORITY_RANK: dict[str, int] = {
    ActionItemPriority.CRITICAL: 1,
    ActionItemPriority.HIGH: 2,
    ActionItemPriority.MEDIUM: 3,
    ActionItemPriority.LOW: 4,
}


class ActionItemKind(models.TextChoices):
    PREVENT = "prevent", "Prevent"
    MITIGATE = "mitigate", "Mitigate"
    DETECT = "detect", "Detect"
    PROCESS = "process", "Process"
    OTHER = "other", "Other"


#: Kinds whose completion must say how the fix was shown to work.
KINDS_NEEDING_VERIFICATION = frozenset({ActionItemKind.PREVENT, ActionItemKind.MITIGATE})


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class ImpactSource(models.TextChoices):
    """Where a figure of a post-mortem's impact comes from."""

    POSTMORTEM = "postmortem", "The post-mortem's authors"
    ASSESSMENT = "assessment", "The compliance assessment"
