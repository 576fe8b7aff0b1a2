"""The main menu, composed from the entries each app registers (like ``portal.panels``).

An entry names its section (for ``aria-current``), its label, the URL name it
opens and the predicate that decides who sees it, taken from the app's
``permissions.py``, so that the menu never offers a page that answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from portal.users import Viewer


@dataclass(frozen=True)
class MenuEntry:
    section: str
    label: str
    url_name: str
    allowed: Callable[[Viewer], bool]
    order: int = 100


@dataclass(frozen=True)
class MenuLink:
    section: str
    label: str
    url: str


_ENTRIES: dict[str, MenuEntry] = {}


def register(entry: MenuEntry) -> MenuEntry:
    _ENTRIES[entry.section] = entry
    return entry


def menu_for(user: Viewer) -> list[MenuLink]:
    """The entries ``user`` may open, in menu order."""
    return [
        MenuLink(entry.section, entry.label, reverse(entry.url_name))
        for entry in sorted(_ENTRIES.values(), key=lambda entry: (entry.order, entry.label))
        if entry.allowed(user)
    ]
