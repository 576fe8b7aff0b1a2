"""How a generated or stored file leaves the portal: as an attachment, never sniffed, never cached.

The API and the web pages hand out the same documents (regulator reports, post-mortems,
exercise reports) through these functions, so the headers an auditor relies on
(``X-Content-SHA256`` for what was sent) are the same whichever way it was fetched.
"""

from __future__ import annotations

import io
from typing import TypeVar

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase

_Response = TypeVar("_Response", bound=HttpResponseBase)


def _headed(response: _Response, filename: str, sha256: str) -> _Response:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if sha256:
        response["X-Content-SHA256"] = sha256
    return response


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """A document made for this request, answered whole."""
    return _headed(HttpResponse(content, content_type=content_type), filename, "")


def stored_attachment(content: bytes, *, content_type: str, filename: str, sha256: str) -> FileResponse:
    """A kept file (a submitted report as sent), streamed like any stored file, with its digest."""
    return _headed(FileResponse(io.BytesIO(content), content_type=content_type), filename, sha256)
