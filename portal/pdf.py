"""The one way the portal turns HTML into PDF.

WeasyPrint gets a URL fetcher that answers only ``data:`` URIs and the
portal's own static files (``portal-static:`` URLs, which relative URLs in
our templates resolve to): no network, no ``file://``, no attachments. The
render runs in a forked child process so that a hostile or huge document is
stopped after ``PDF_RENDER_TIMEOUT`` seconds instead of holding a worker.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

BASE_URL = "https://portal-assets.invalid/static/"


class PdfRenderError(Exception):
    """The document could not be rendered within the limits."""


class PdfTooLarge(PdfRenderError):
    """The input is over ``PDF_MAX_HTML_BYTES`` (HTTP 413: shorten it)."""


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PortalUrlFetcher(URLFetcher):
        """Serves data: URIs and portal static files; refuses everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(BASE_URL):
                relative = url[len(BASE_URL) :].split("?", 1)[0].split("#", 1)[0]
                found = finders.find(relative) if relative and ".." not in relative.split("/") else None
                if found:
                    path = Path(found if isinstance(found, str) else found[0])
                    content_type = "text/css" if path.suffix == ".css" else None
                    return URLFetcherResponse(
                        url, path.read_bytes(), {"Content-Type": content_type} if content_type else None
                    )
            raise ValueError(f"refused to fetch {url[:80]!r}: PDFs may only use the portal's own assets")

    return PortalUrlFetcher


def html_to_pdf(html: str) -> bytes:
    """Render in this process (the child of ``render_pdf``); also used by benchmarks."""
    from weasyprint import HTML

    fetcher = _fetcher_class()()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def _child(html: str, connection: Connection) -> None:
    try:
        connection.send(("ok", html_to_pdf(html)))
    except BaseException as exc:  # reported to the parent, which raises
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def render_html_to_pdf(html: str) -> bytes:
    if len(html.encode("utf-8")) > settings.PDF_MAX_HTML_BYTES:
        raise PdfTooLarge(f"The document is larger than {settings.PDF_MAX_HTML_BYTES} bytes of HTML.")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(html, sender), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(settings.PDF_RENDER_TIMEOUT):
            raise PdfRenderError(f"Rendering took longer than {settings.PDF_RENDER_TIMEOUT} seconds.")
        status, payload = receiver.recv()
    except EOFError:
        raise PdfRenderError("The renderer stopped without a result.") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        receiver.close()
    if status != "ok":
        logger.warning("PDF rendering failed: %s", payload)
        raise PdfRenderError(f"Rendering failed: {payload}")
    return payload


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a Django template (autoescaped) to PDF bytes."""
    return render_html_to_pdf(render_to_string(template_name, dict(context)))
