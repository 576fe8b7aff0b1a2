"""PDF and Markdown exports, and that no author's Markdown turns into markup anywhere."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from markdown_it import MarkdownIt
from pypdf import PdfReader

from portal.models import AuditEvent
from postmortems import services
from postmortems.exports import plain, postmortem_document, postmortem_markdown, safe_markdown
from postmortems.selectors import postmortem_content
from tests.postmortems.factories import make_publishable

HOSTILE = (
    "Intro <script>alert('x')</script> text.\n\n"
    "[click me](javascript:alert(1)) and [also](JaVaScRiPt:alert(2)) and [entity](&#106;avascript:alert(3))\n\n"
    '<a href="javascript:alert(4)">raw link</a> <img src=x onerror=alert(5)>\n\n'
    "[runbook](https://wiki.example/runbook)\n\n"
    "[ref]: javascript:alert(6)\n\n"
    "```\n<b>kept as code</b>\n```\n"
)


def _pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _pdf_link_targets(content: bytes) -> list[str]:
    targets = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


@pytest.fixture
def hostile(postmortem, author):
    services.postmortem_update(postmortem=postmortem, actor=author, data={"sections": {"summary": HOSTILE}})
    return postmortem


def test_section_html_in_the_api_is_sanitised(api_as, hostile, author):
    summary = api_as(author).get(f"/api/v1/postmortems/{hostile.pk}/").json()["sections"][0]
    assert summary["body"] == HOSTILE
    html = summary["body_html"]
    assert "<script" not in html
    assert "<img" not in html
    assert re.search(r"<a[^>]*javascript", html, re.IGNORECASE) is None
    assert re.search(r"<[^>]*onerror", html) is None
    assert '<a href="https://wiki.example/runbook" rel="noopener noreferrer nofollow">runbook</a>' in html


def test_the_pdf_carries_only_safe_links(api_as, hostile, author):
    response = api_as(author).get(f"/api/v1/postmortems/{hostile.pk}/pdf/")
    assert response.status_code == 200
    targets = _pdf_link_targets(response.content)
    assert targets == ["https://wiki.example/runbook"]
    text = _pdf_text(response.content)
    assert "kept as code" in text


def test_the_markdown_export_neutralises_html_and_unsafe_links(hostile):
    exported = postmortem_markdown(postmortem_document(postmortem_content(hostile.pk)))
    # Rendered by a permissive renderer (raw HTML on, every link scheme allowed), nothing executes.
    permissive = MarkdownIt("commonmark", {"html": True})
    permissive.validateLink = lambda url: True
    html = permissive.render(exported)
    assert "<script" not in html
    assert "<img" not in html
    assert re.search(r"href=\"[^\"]*javascript", html, re.IGNORECASE) is None
    assert re.search(r"href=\"[^\"]*&#", html) is None
    assert 'href="https://wiki.example/runbook"' in html
    assert "```\n<b>kept as code</b>\n```" in exported  # code stays verbatim
    assert "&lt;b&gt;kept as code&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a <b>bold</b> word", "a \\<b>bold\\</b> word"),
        ("see <https://example.com/x>", "see <https://example.com/x>"),
        ("`<b>` in code", "`<b>` in code"),
        ("[x](javascript:alert(1))", "[x](#)"),
        ("[x](<javascript:alert(1)>)", "[x](#)"),
        ("[x](https://ok.example/a_(b))", "[x](https://ok.example/a_(b))"),
        ("  [ref]: vbscript:msgbox", "  [ref]: #"),
        ("<javascript:alert(1)>", "\\<javascript:alert(1)>"),
        ("    <b>indented code</b>", "    <b>indented code</b>"),
        ("```\n<b>open fence", "```\n<b>open fence\n```"),
        ("~~~~\ncode\n~~~~", "~~~~\ncode\n~~~~"),
    ],
)
def test_safe_markdown_cases(source, expected):
    assert safe_markdown(source) == expected


def test_a_fence_left_open_in_one_section_cannot_unlock_html_in_the_next(postmortem, author):
    services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={"sections": {"summary": "```\nopen", "impact": "```\n<script>alert(1)</script>"}},
    )
    exported = postmortem_markdown(postmortem_document(postmortem_content(postmortem.pk)))
    permissive = MarkdownIt("commonmark", {"html": True})
    assert "<script" not in permissive.render(exported)


def test_plain_text_cannot_become_markup():
    assert plain("# not a *heading* <b>|</b>") == "\\# not a \\*heading\\* \\<b\\>\\|\\</b\\>"
    assert plain("1. list\nsecond line") == "1\\. list second line"


def test_the_pdf_export_reads_back_with_the_content(api_as, postmortem, author, reviewer, resolved_incident):
    make_publishable(postmortem, author)
    services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={
            "sections": {"root_cause": "The **connection pool** was exhausted."},
            "customers_affected": 1234,
        },
    )
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    response = api_as(reviewer).get(f"/api/v1/postmortems/{postmortem.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="PM-{postmortem.pk:04d}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = " ".join(_pdf_text(response.content).split())
    for expected in [
        postmortem.title,
        f"PM-{postmortem.pk:04d}",
        resolved_incident.reference,
        "Published",
        "The connection pool was exhausted.",
        "Five whys",
        "A slow query held connections.",
        "A release added the query.",
        "Add a statement timeout",
        "Status changed from Contained to Resolved.",
        "1,234",
        "Page 1 of",
    ]:
        assert expected in text, expected
    assert AuditEvent.objects.filter(action="postmortem.exported", object_id=str(postmortem.pk)).exists()


def test_a_draft_pdf_says_it_is_not_published(api_as, postmortem, author):
    text = _pdf_text(api_as(author).get(f"/api/v1/postmortems/{postmortem.pk}/pdf/").content)
    assert "not yet published" in text
    assert "Not written." in text  # an empty required section


def test_the_markdown_export_is_a_clean_document(api_as, postmortem, author):
    make_publishable(postmortem, author)
    services.timeline_entry_update(
        entry=postmortem.timeline_entries.first(),
        actor=author,
        data={"is_starred": True, "assessment": "fact", "annotation": "From the pager log"},
    )
    response = api_as(author).get(f"/api/v1/postmortems/{postmortem.pk}/markdown/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'filename="PM-{postmortem.pk:04d}.md"')
    text = response.content.decode()
    lines = text.splitlines()
    assert lines[0] == f"# {postmortem.title}"
    assert "## Root cause" in lines
    assert "### Five whys" in lines
    assert "1. The pool was exhausted." in lines
    assert "- **Change**: A release added the query." in lines
    assert "| # | Action | Kind | Priority | Owner | Due | Status | Tracker |" in lines
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    assert any(
        line.startswith("| 1 | Add a statement timeout | Prevent | High |") and due in line for line in lines
    )
    starred = next(line for line in lines if "★" in line)
    assert "| Fact |" in starred
    assert "_(From the pager log)_" in starred
    assert (
        "## Where we got lucky" not in lines or "Written text" in text
    )  # optional, empty sections are left out
    assert "<" not in text.replace("\\<", "")


def test_optional_sections_nobody_wrote_are_left_out(postmortem, author):
    services.postmortem_update(postmortem=postmortem, actor=author, data={"sections": {"summary": "Short."}})
    exported = postmortem_markdown(postmortem_document(postmortem_content(postmortem.pk)))
    assert "## Where we got lucky" not in exported
    assert "## Lessons learned\n\n_Not written yet._" in exported  # required: shown, and visibly empty


def test_a_pdf_export_that_cannot_render_in_time_is_a_json_503_with_retry_after(
    api_as, postmortem, author, settings
):
    settings.PDF_RENDER_TIMEOUT = 0.0001  # no renderer answers this fast
    response = api_as(author).get(f"/api/v1/postmortems/{postmortem.pk}/pdf/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "try again" in response.json()["detail"]


def test_an_oversized_pdf_export_is_a_json_413(api_as, postmortem, author, settings):
    settings.PDF_MAX_HTML_BYTES = 100
    response = api_as(author).get(f"/api/v1/postmortems/{postmortem.pk}/pdf/")
    assert response.status_code == 413
    assert "Shorten" in response.json()["detail"]
