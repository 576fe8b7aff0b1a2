"""Per-request facts (client IP, request id) that the audit trail records.

Kept in context variables so that services can write audit events without
every caller threading the request through.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""


_NO_REQUEST = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("portal_request_context")


def current() -> RequestContext:
    return _current.get(_NO_REQUEST)


def set_current(context: RequestContext) -> object:
    return _current.set(context)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
