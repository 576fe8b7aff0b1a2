"""The one way the portal turns HTML into PDF.

WeasyPrint gets a URL fetcher that answers only ``data:`` URIs and the
portal's own static files (``portal-static:`` URLs, which relative URLs in
our templates resolve to): no network, no ``file://``, no attachments. The
render runs in a forked child process so that a hostile or huge document is
stopped after ``PDF_RENDER_TIMEOUT`` seconds, or when it grows the child's
address space by more than ``PDF_RENDER_MEMORY_MB``, instead of holding a worker.

Importing WeasyPrint and loading the fonts take about half a second; ``warm_up``
does it once in the parent (at worker start, ``portal/wsgi.py``), so every
forked child inherits them ready instead of paying it per document.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import resource
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


_WARM_UP_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="pdf/document.css"></head><body>
<h1>Warm-up</h1><p>Regular <strong>bold</strong> <em>italic</em> <code>mono</code> €§ é ß ç ñ ø</p>
<table><tr><th>a</th><td>b</td></tr></table></body></html>"""
_WARM_UP_RENDERS = 3
_warm = False


def warm_up() -> bool:
    """Import WeasyPrint and render a small document with the portal's stylesheet (fonts,
    fontconfig cache, CSS parser), in this process; later renders fork from it. Once per process."""
    global _warm
    if not _warm:
        # More than once: WeasyPrint and Pango fill caches over the first few documents, not the
        # first alone; children forked after three renders start 8 ms faster (bench/README.md).
        for _ in range(_WARM_UP_RENDERS):
            html_to_pdf(_WARM_UP_HTML)
        _warm = True
        logger.info("WeasyPrint warmed up (HarfBuzz subsetting: %s)", harfbuzz_subsetting())
    return _warm


def harfbuzz_subsetting() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (libharfbuzz-subset0 >= 4.1) rather than fontTools."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def _virtual_memory_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _cap_memory(megabytes: int) -> None:
    """Let this (child) process grow its address space by ``megabytes`` at most: beyond it,
    allocations fail and the render ends with an error instead of exhausting the machine."""
    limit = _virtual_memory_bytes() + megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def html_to_pdf(html: str) -> bytes:
    """Render in this process (the child of ``render_pdf``); also used by benchmarks."""
    from weasyprint import HTML

    fetcher = _fetcher_class()()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def _child(html: str, connection: Connection, memory_mb: int) -> None:
    # Everything inherited from the parent is the parent's business: the child's collector only
    # walks what the render allocates, instead of touching (and so copying) every inherited page.
    gc.freeze()
    try:
        _cap_memory(memory_mb)
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
    process = context.Process(target=_child, args=(html, sender, settings.PDF_RENDER_MEMORY_MB), daemon=True)
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
