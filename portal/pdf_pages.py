"""How web pages answer a PDF that cannot be made: 503 with Retry-After (try again later) or
413 (the input is too large: shorten it), with a message that says what to do; never a 500.

Views that render a PDF as part of a form wrap the call in ``pdf_render_guard`` and render
their own page again (the user's input kept); ``PdfFailureMiddleware`` answers for any other
web page. API views get the same statuses from ``portal.api.exceptions``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from portal.pdf import PdfRenderError, PdfTooLarge

RETRY_AFTER_SECONDS = "60"


@dataclass
class PdfFailed(Exception):
    """A render failure turned into what the page shows and the status it answers with."""

    message: str
    status: int
    retry_after: str | None


def pdf_failure(exc: PdfRenderError) -> PdfFailed:
    if isinstance(exc, PdfTooLarge):
        return PdfFailed(
            f"{exc} Shorten the text (fields, sections) and try again; nothing was changed.", 413, None
        )
    return PdfFailed(
        f"The PDF could not be made: {exc} Nothing was changed; try again in a minute.",
        503,
        RETRY_AFTER_SECONDS,
    )


@contextmanager
def pdf_render_guard() -> Iterator[None]:
    """Turn ``PdfRenderError``/``PdfTooLarge`` raised inside into ``PdfFailed``."""
    try:
        yield
    except PdfRenderError as exc:
        raise pdf_failure(exc) from exc


def pdf_failure_response(request: HttpRequest, failure: PdfFailed) -> HttpResponse:
    response = HttpResponse(
        render_to_string("portal/pdf_failed.html", {"message": failure.message}, request=request),
        status=failure.status,
    )
    if failure.retry_after:
        response["Retry-After"] = failure.retry_after
    return response


class PdfFailureMiddleware:
    """The page for a web view that let a render failure through (the API has its own handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PdfFailed):
            return pdf_failure_response(request, exception)
        if isinstance(exception, PdfRenderError):
            return pdf_failure_response(request, pdf_failure(exception))
        return None
