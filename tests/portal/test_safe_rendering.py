"""Markdown sanitising, the template sandbox and the PDF renderer's fetch policy."""

from __future__ import annotations

import http.server
import io
import re
import threading

import pytest
from pypdf import PdfReader

from portal.markdown import render_markdown
from portal.pdf import PdfRenderError, render_html_to_pdf
from portal.sandbox import UnsafeTemplate, render_template, validate_template

ALLOWED = ["reference", "title", "services"]


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        "[x](JaVaScRiPt:alert(1))",
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_markdown_drops_scripts_and_javascript_links(source):
    html = render_markdown(source)
    # Dangerous text may remain visible as escaped text; it must never become markup.
    assert "<script" not in html
    assert re.search(r"<a[^>]*javascript", html, re.IGNORECASE) is None
    assert re.search(r"<[^>]*onerror", html) is None
    assert "<iframe" not in html
    assert "<img" not in html


def test_markdown_keeps_ordinary_formatting():
    html = render_markdown(
        "# Root cause\n\n**Expired** cert, see [runbook](https://wiki.example/rb).\n\n- a\n- b"
    )
    assert "<h1>Root cause</h1>" in html
    assert "<strong>Expired</strong>" in html
    assert 'href="https://wiki.example/rb"' in html
    assert "<li>a</li>" in html


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ title.__class__ }}", "_"),
        ("{{ title.__class__.__mro__ }}", "_"),
        ("{{ title['__class__'] }}", "_"),
        ("{% for i in range(10**9) %}x{% endfor %}", "range"),
        ("{% include 'secrets.txt' %}", "include"),
        ("{% extends 'base.html' %}", "extends"),
        ("{% import 'm.html' as m %}", "import"),
        ("{{ password }}", "Unknown variable"),
        ("{% if title %}unterminated", "Line"),
        ("{{ title", "Line"),
        (
            "{% for a in services %}{% for b in services %}{% for c in services %}x{% endfor %}{% endfor %}{% endfor %}",
            "nested",
        ),
        ("x" * 20_001, "longer"),
    ],
)
def test_the_sandbox_refuses_escapes_and_broken_templates(source, reason):
    def validate_then_render() -> None:
        validate_template(source, ALLOWED)
        render_template(source, {"reference": "INC-1", "title": "t", "services": ["a"]})

    with pytest.raises(UnsafeTemplate, match=reason):
        validate_then_render()


def test_range_is_bounded_at_render_time():
    with pytest.raises(UnsafeTemplate, match="range"):
        render_template("{% for i in range(1000) %}{{ i }}{% endfor %}", {})


def test_rendering_escapes_html_when_asked():
    context = {"title": "<b>bold</b> & co"}
    assert render_template("{{ title }}", context, autoescape=True) == "&lt;b&gt;bold&lt;/b&gt; &amp; co"
    assert render_template("{{ title }}", context) == "<b>bold</b> & co"


def test_rendering_sees_only_plain_values():
    class Secret:
        password = "hunter2"

    with pytest.raises(UnsafeTemplate):
        render_template("{{ obj.password }}", {"obj": Secret()})


def test_a_valid_template_renders():
    source = "{{ reference }}: {{ title }} ({{ services | join(', ') }})"
    validate_template(source, ALLOWED)
    assert render_template(source, {"reference": "INC-1", "title": "Down", "services": ["API", "Web"]}) == (
        "INC-1: Down (API, Web)"
    )


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_pdf_rendering_fetches_nothing_from_the_network_or_disk(db):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        html = f"""<html><head>
        <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
        <style>@import url("http://127.0.0.1:{port}/import.css");
               body {{ background: url("http://127.0.0.1:{port}/bg.png"); }}</style></head>
        <body><h1>Hostile report</h1>
        <img src="http://127.0.0.1:{port}/img.png"><img src="file:///etc/passwd">
        <a rel="attachment" href="file:///etc/hostname">a</a>
        <iframe src="http://127.0.0.1:{port}/frame"></iframe>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        </body></html>"""
        pdf = render_html_to_pdf(html)
    finally:
        server.shutdown()
        server.server_close()
    assert _Listener.hits == []
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Hostile report" in text
    assert "root:" not in text
    assert not reader.attachments


def test_pdf_input_over_the_limit_is_refused(settings):
    settings.PDF_MAX_HTML_BYTES = 10_000
    with pytest.raises(PdfRenderError, match="larger"):
        render_html_to_pdf("<p>" + "x" * 20_000 + "</p>")


def test_pdf_rendering_that_takes_too_long_is_stopped(settings):
    settings.PDF_RENDER_TIMEOUT = 1
    huge_table = "<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 40_000 + "</table>"
    with pytest.raises(PdfRenderError, match="longer than 1 seconds"):
        render_html_to_pdf(huge_table)
