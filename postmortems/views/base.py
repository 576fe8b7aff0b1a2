"""Shared pieces of the post-mortem pages: the version read and the 404 on lookups."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from postmortems.models import ActionItem, Postmortem
from postmortems.selectors import action_item_get, postmortem_get


def _version(request: HttpRequest) -> int:
    """The version the user read; an unreadable one never matches (a stale save, not an overwrite)."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else -1


def _postmortem(request: HttpRequest, pk: int) -> Postmortem:
    try:
        return postmortem_get(request.user, pk)
    except Postmortem.DoesNotExist:
        raise Http404("No such post-mortem.") from None


def _item(request: HttpRequest, pk: int) -> ActionItem:
    try:
        return action_item_get(request.user, pk)
    except ActionItem.DoesNotExist:
        raise Http404("No such action item.") from None
