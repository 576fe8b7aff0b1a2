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
import re
from typing import Any

from django.conf import settings

#: No real payload nests deeper than this (the regime facts are 4 levels deep).
DEFAULT_MAX_DEPTH = 64
#: Items in one array (and members of one object).
DEFAULT_MAX_ITEMS = 10_000
#: The largest integer a 64-bit database column holds.
INT_LIMIT = 2**63 - 1


class JSONRefused(ValueError):
    """Valid or not, this JSON is not accepted; the message says why.

    ``path`` names the offending member (``"facts.subjects[2]"``) when there is one, so that an
    API can report the problem against the field like any other validation error.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{_where(path)}{message}")
        self.reason = message
        self.path = path
        #: The top-level member the path starts at: the field a serializer would name.
        self.field = re.split(r"[.\[]", path, maxsplit=1)[0] if path else ""


def max_depth() -> int:
    return int(getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def max_items() -> int:
    return int(getattr(settings, "JSON_MAX_ITEMS", DEFAULT_MAX_ITEMS))


#: Longer integer literals are refused while parsing, before Python converts them.
MAX_INT_DIGITS = 400


def _keep_constant(name: str) -> float:
    # NaN and Infinity are kept as floats so that the walk can name where they are.
    return float(name)


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JSONRefused(f"The integer {text[:40]}… is too large for any field.")
    return int(text)


def _where(path: str) -> str:
    return f"{path}: " if path else ""


def _check_number(value: Any, path: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, float) and not math.isfinite(value):
        shown = "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity")
        raise JSONRefused(
            f"{shown} is out of range; send a finite number "
            "(NaN and Infinity are not numbers this API accepts).",
            path,
        )
    if isinstance(value, int) and not -INT_LIMIT - 1 <= value <= INT_LIMIT:
        text = str(value)
        shown = text if len(text) <= 40 else f"{text[:40]}…"
        raise JSONRefused(f"The integer {shown} is too large for any field.", path)


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_shape(value: Any, *, depth_limit: int | None = None, items_limit: int | None = None) -> None:
    """Refuse non-finite or oversized numbers, nesting past ``depth_limit`` and containers past
    ``items_limit``; the message names where in the document the problem is."""
    depth_limit = max_depth() if depth_limit is None else depth_limit
    items_limit = max_items() if items_limit is None else items_limit
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        current, depth, path = stack.pop()
        if isinstance(current, dict):
            children: Any = current.items()
            kind = "object"
        elif isinstance(current, list):
            children = enumerate(current)
            kind = "array"
        else:
            _check_number(current, path)
            continue
        if depth > depth_limit:
            raise JSONRefused(f"The document is nested deeper than {depth_limit} levels.")
        if len(current) > items_limit:
            raise JSONRefused(f"An {kind} has {len(current)} items; at most {items_limit} are accepted.", path)
        stack.extend((child, depth + 1, _child_path(path, key)) for key, child in children)


def loads(text: str | bytes) -> Any:
    """``json.loads`` that refuses non-finite and oversized numbers, deep nesting and huge arrays."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    try:
        value = json.loads(
            text, parse_constant=_keep_constant, parse_int=_parse_int
        )
    except RecursionError as exc:
        raise JSONRefused(f"The document is nested deeper than {max_depth()} levels.") from exc
    check_shape(value)
    return value
