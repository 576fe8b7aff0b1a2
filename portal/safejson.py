"""JSON that no field can choke on: one decoder for the API and the webhook endpoints.

Syntactically valid JSON can still be hostile: ``1e999`` becomes infinity,
``NaN`` is accepted by Python's decoder, an integer of a hundred digits fits
no database column, a document nested a thousand levels deep exhausts the
stack of whatever walks it, and an array of a million items costs more than
any real payload needs. ``loads`` refuses all of these with ``JSONRefused``,
whose message names the problem, before any view or serializer sees the data.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings

#: No real payload nests deeper than this (the regime facts are 4 levels deep).
DEFAULT_MAX_DEPTH = 64
#: Items in one array (and members of one object).
DEFAULT_MAX_ITEMS = 10_000
#: The largest integer a 64-bit database column holds.
INT_LIMIT = 2**63 - 1


class JSONRefused(ValueError):
    """Valid or not, this JSON is not accepted; the message says why, ``path`` says where."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    @property
    def field(self) -> str | None:
        """The top-level member that holds the refused value, if any."""
        return self.path[0] if self.path and isinstance(self.path[0], str) else None


def max_depth() -> int:
    return int(getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def max_items() -> int:
    return int(getattr(settings, "JSON_MAX_ITEMS", DEFAULT_MAX_ITEMS))


class _Refused:
    """Stands in for a number while decoding, so that the walk can say where it was."""

    def __init__(self, message: str) -> None:
        self.message = message


def _parse_constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a number this API accepts; send a finite number.")


def _parse_float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        return _Refused(f"The number {text[:40]} is out of range; send a finite number.")
    return value


def _parse_int(text: str) -> int | _Refused:
    if len(text.lstrip("-")) > 19 or not -INT_LIMIT - 1 <= int(text) <= INT_LIMIT:
        shown = text if len(text) <= 40 else text[:40] + "…"
        return _Refused(f"The integer {shown} is too large for any field.")
    return int(text)


def check_shape(value: Any, *, depth_limit: int | None = None, items_limit: int | None = None) -> None:
    """Refuse refused numbers, documents nested past ``depth_limit`` and containers past ``items_limit``."""
    depth_limit = max_depth() if depth_limit is None else depth_limit
    items_limit = max_items() if items_limit is None else items_limit
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        current, path = stack.pop()
        if isinstance(current, _Refused):
            raise JSONRefused(current.message, path)
        if isinstance(current, float) and not math.isfinite(current):
            raise JSONRefused("The number is out of range; send a finite number.", path)
        if isinstance(current, dict):
            children: Any = current.items()
            kind = "object"
        elif isinstance(current, list):
            children = enumerate(current)
            kind = "array"
        else:
            continue
        if len(path) >= depth_limit:
            raise JSONRefused(f"The document is nested deeper than {depth_limit} levels.", path[:1])
        if len(current) > items_limit:
            raise JSONRefused(f"An {kind} has {len(current)} items; at most {items_limit} are accepted.", path)
        stack.extend((child, (*path, key)) for key, child in children)


def loads(text: str | bytes) -> Any:
    """``json.loads`` that refuses non-finite and oversized numbers, deep nesting and huge arrays."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    try:
        value = json.loads(
            text, parse_constant=_parse_constant, parse_float=_parse_float, parse_int=_parse_int
        )
    except RecursionError as exc:
        raise JSONRefused(f"The document is nested deeper than {max_depth()} levels.") from exc
    check_shape(value)
    return value
