from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from portal import context
from portal.client_ip import client_ip

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when well formed),
    records the client address for the audit trail, and refuses NUL bytes in
    the query string before they can reach a database driver."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            response: HttpResponse = JsonResponse(
                {"detail": "NUL characters are not allowed in the query."}, status=400
            )
        else:
            token = context.set_current(
                context.RequestContext(ip=client_ip(request) or None, request_id=request_id)
            )
            try:
                response = self.get_response(request)
            finally:
                context.reset(token)
        response["X-Request-ID"] = request_id
        return response
