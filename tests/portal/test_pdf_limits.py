"""The PDF renderer after the warm-up: still in a forked child, still with the fetcher and
the limits, now also a memory cap; and HarfBuzz subsetting where the library is installed."""

from __future__ import annotations

import ctypes.util
import io
import resource

import pytest
from pypdf import PdfReader

from portal import pdf
from portal.pdf import PdfRenderError, render_html_to_pdf
from tests.portal.test_safe_rendering import (
    test_pdf_rendering_fetches_nothing_from_the_network_or_disk as fetches_nothing,
)


@pytest.fixture
def warmed():
    assert pdf.warm_up()


def test_a_warmed_up_worker_still_renders_in_a_child_that_fetches_nothing(db, warmed):
    fetches_nothing(db)


def test_the_render_child_is_stopped_at_its_memory_cap_and_the_parent_is_not_capped(settings, warmed):
    before = resource.getrlimit(resource.RLIMIT_AS)
    settings.PDF_RENDER_MEMORY_MB = 64
    settings.PDF_RENDER_TIMEOUT = 120
    big = "<table>" + "<tr><td>cell</td><td>another cell</td></tr>" * 30_000 + "</table>"
    with pytest.raises(PdfRenderError, match=r"MemoryError|stopped without a result|Rendering failed"):
        render_html_to_pdf(big)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    settings.PDF_RENDER_MEMORY_MB = 1024
    text = PdfReader(io.BytesIO(render_html_to_pdf("<p>Still fine</p>"))).pages[0].extract_text()
    assert "Still fine" in text


@pytest.mark.skipif(
    not ctypes.util.find_library("harfbuzz-subset"), reason="libharfbuzz-subset0 not installed"
)
def test_fonts_are_subset_with_harfbuzz_where_it_is_installed():
    assert pdf.harfbuzz_subsetting()
