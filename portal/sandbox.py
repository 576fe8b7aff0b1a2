"""User-written templates (stakeholder messages, report texts), rendered safely.

Administrators write these templates; they must never reach anything but the
flat context of plain values they are given. Rendering uses Jinja2's
``ImmutableSandboxedEnvironment`` with ``StrictUndefined``; validation on save
refuses templates that do not parse, name variables outside the allowed set,
pull in other templates, loop too deep, or are too large.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_TEMPLATE_CHARS = 20_000
MAX_OUTPUT_CHARS = 100_000
MAX_LOOP_NESTING = 2
MAX_RANGE = 100
_FORBIDDEN_NODES = (
    nodes.Include,
    nodes.Extends,
    nodes.Import,
    nodes.FromImport,
    nodes.Macro,
    nodes.CallBlock,
)


class UnsafeTemplate(ValueError):
    """The template is broken or reaches outside what it is allowed to use."""


def _bounded_range(*args: int) -> range:
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise SecurityError(f"range() is limited to {MAX_RANGE} items in templates")
    return values


class _PortalSandbox(ImmutableSandboxedEnvironment):
    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape, undefined=StrictUndefined, auto_reload=False, cache_size=0)
        self.globals = {"range": _bounded_range}


@lru_cache(maxsize=2)
def _environment(autoescape: bool) -> _PortalSandbox:
    return _PortalSandbox(autoescape=autoescape)


@dataclass(frozen=True)
class TemplateProblem:
    message: str
    line: int | None = None


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    deepest = depth
    for child in node.iter_child_nodes():
        child_depth = depth + 1 if isinstance(child, nodes.For) else depth
        deepest = max(deepest, _loop_depth(child, child_depth))
    return deepest


def validate_template(source: str, allowed_variables: Iterable[str], *, autoescape: bool = False) -> None:
    """Raise UnsafeTemplate with a reason a person can act on, or return."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise UnsafeTemplate(f"The template is longer than {MAX_TEMPLATE_CHARS} characters.")
    if "\x00" in source:
        raise UnsafeTemplate("The template contains a NUL character.")
    environment = _environment(autoescape)
    try:
        tree = environment.parse(source)
    except TemplateSyntaxError as exc:
        raise UnsafeTemplate(f"Line {exc.lineno}: {exc.message}") from None
    forbidden = next(iter(tree.find_all(_FORBIDDEN_NODES)), None)
    if forbidden is not None:
        raise UnsafeTemplate(
            f"Line {forbidden.lineno}: {type(forbidden).__name__.lower()} is not allowed in a message template."
        )
    unknown = sorted(find_undeclared_variables(tree) - set(allowed_variables))
    if unknown:
        raise UnsafeTemplate(
            f"Unknown variable(s): {', '.join(unknown)}. Available: {', '.join(sorted(allowed_variables))}."
        )
    for getattr_node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attribute = getattr(getattr_node, "attr", None)
        if isinstance(attribute, str) and attribute.startswith("_"):
            raise UnsafeTemplate(f"Line {getattr_node.lineno}: attributes starting with _ are not allowed.")
        argument = getattr(getattr_node, "arg", None)
        if (
            isinstance(argument, nodes.Const)
            and isinstance(argument.value, str)
            and argument.value.startswith("_")
        ):
            raise UnsafeTemplate(f"Line {getattr_node.lineno}: attributes starting with _ are not allowed.")
    if _loop_depth(tree) > MAX_LOOP_NESTING:
        raise UnsafeTemplate(f"Loops may be nested at most {MAX_LOOP_NESTING} deep.")


def render_template(source: str, context: Mapping[str, Any], *, autoescape: bool = False) -> str:
    """Render with plain values only; any failure becomes UnsafeTemplate."""
    plain: dict[str, Any] = {
        key: value
        for key, value in context.items()
        if isinstance(value, str | int | float | bool | type(None))
    }
    plain.update(
        {
            key: list(value)
            for key, value in context.items()
            if isinstance(value, list | tuple) and all(isinstance(item, str | int | float) for item in value)
        }
    )
    try:
        output = _environment(autoescape).from_string(source).render(plain)
    except SecurityError as exc:
        raise UnsafeTemplate(f"Refused by the sandbox: {exc}") from None
    except TemplateError as exc:
        raise UnsafeTemplate(f"The template failed: {exc}") from None
    if len(output) > MAX_OUTPUT_CHARS:
        raise UnsafeTemplate(f"The rendered text is longer than {MAX_OUTPUT_CHARS} characters.")
    return output
