"""Template filters shared by every page: safe Markdown and readable badge text.

``{% load portal_ui %}`` then ``{{ text|markdown }}`` renders user-written
Markdown through ``portal.markdown`` (markdown-it-py, then nh3), and
``{{ user|person }}`` names a person by full name (the username only when
there is none), and ``{{ colour|ink }}`` picks black or white text for a coloured badge, whichever
contrasts more: one of the two always reaches WCAG AA (4.5:1), whatever colour
an administrator configured.
"""

from __future__ import annotations

import re
from datetime import datetime

from django import template
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.safestring import SafeString, mark_safe

from portal.markdown import render_markdown
from portal.timezones import zoned_time
from portal.users import display_name

register = template.Library()

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DARK_INK = "#111111"
LIGHT_INK = "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float | None:
    """WCAG relative luminance of a ``#rgb`` or ``#rrggbb`` colour, None for anything else."""
    match = _HEX.match((colour or "").strip())
    if match is None:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: float, second: float) -> float:
    light, dark = max(first, second), min(first, second)
    return (light + 0.05) / (dark + 0.05)


@register.filter
def ink(colour: str) -> str:
    """The text colour (near-black or white) that reads best on ``colour``."""
    luminance = relative_luminance(colour)
    if luminance is None:
        return DARK_INK
    dark = relative_luminance(DARK_INK)
    assert dark is not None
    return LIGHT_INK if contrast_ratio(luminance, 1.0) >= contrast_ratio(luminance, dark) else DARK_INK


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """User Markdown as sanitised HTML (nh3 keeps only an allow-list of tags and URL schemes)."""
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - sanitised by nh3 in render_markdown


@register.filter
def person(user: object, default: str = "") -> str:
    """A person by full name, else username; ``default`` for nobody (``{{ x.owner|person:"-" }}``)."""
    return display_name(user if isinstance(user, AbstractBaseUser) else None, default)


@register.filter
def zoned(value: datetime | None, zone: str) -> str:
    """``{{ obligation.due_at|zoned:obligation.deadline_timezone }}``: local time with abbreviation, and UTC."""
    return zoned_time(value, zone)
