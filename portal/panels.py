"""Pages composed from panels that each app registers.

A page that shows several apps' records (the dashboard, the incident page,
the profile) names *slots*; every app registers the panels it contributes to
a slot in its ``AppConfig.ready``. The page renders whatever is registered,
so the page's app imports none of the contributing apps, and an app that is
not installed simply contributes nothing.

A panel's ``context`` function gets the request and the page's object (the
incident, or None) and returns the panel's template context, or None when
the panel has nothing to show to this user (a role without the permission,
for instance). Panels are rendered in ``order``, then by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PanelContext = Callable[[HttpRequest, Any], Mapping[str, Any] | None]

#: The slots pages offer; registering elsewhere is a programming error.
SLOTS = frozenset(
    {
        "dashboard.actions",
        "dashboard.stats",
        "dashboard.main",
        "dashboard.charts",
        "incident.main",
        "incident.side",
        "profile",
        "audit",
    }
)


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str
    template: str
    context: PanelContext
    order: int = 100


_PANELS: dict[str, dict[str, Panel]] = {slot: {} for slot in SLOTS}


def register(panel: Panel) -> Panel:
    """Add (or replace, by name) a panel of a slot."""
    if panel.slot not in SLOTS:
        raise ValueError(f"Unknown panel slot {panel.slot!r}; known: {', '.join(sorted(SLOTS))}.")
    _PANELS[panel.slot][panel.name] = panel
    return panel


def unregister(slot: str, name: str) -> None:
    _PANELS[slot].pop(name, None)


def panels(slot: str) -> list[Panel]:
    """The panels of a slot in the order they are shown."""
    return sorted(_PANELS[slot].values(), key=lambda panel: (panel.order, panel.name))


def render_panels(
    slot: str, request: HttpRequest, obj: Any = None, *, context: Mapping[str, Any] | None = None
) -> list[SafeString]:
    """The HTML of each panel of ``slot`` that has something to show.

    ``context`` is the page's own context (the incident, the user's time zone
    name...): every panel template sees it, under its own values.
    """
    rendered = []
    for panel in panels(slot):
        own = panel.context(request, obj)
        if own is None:
            continue
        html = render_to_string(panel.template, {**(context or {}), **own}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308  (rendered by Django's autoescaping engine)
    return rendered
