"""Web pages for post-mortems and action items.

Reads go through the selectors (a post-mortem covering an incident the reader
may not see is a 404 everywhere), writes through the services, with the same
calls and error handling as the API. The pages live in one module per part;
the URLconfs import them from here.
"""

from postmortems.views.action_items import ActionItemBoardView, ActionItemDetailView
from postmortems.views.editor import (
    ActionItemCreateView,
    PostmortemDetailView,
    PostmortemTransitionView,
    TimelineEntryView,
)
from postmortems.views.exports import PostmortemExportView
from postmortems.views.postmortems import PostmortemCreateView, PostmortemListView

__all__ = [
    "ActionItemBoardView",
    "ActionItemCreateView",
    "ActionItemDetailView",
    "PostmortemCreateView",
    "PostmortemDetailView",
    "PostmortemExportView",
    "PostmortemListView",
    "PostmortemTransitionView",
    "TimelineEntryView",
]
