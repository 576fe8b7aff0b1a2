"""The post-mortem page's downloads are web routes: the same files and audit as the API, an HTML
page (not JSON) when the PDF cannot be made, and 404 for readers who may not see the post-mortem."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from portal.models import AuditEvent
from tests.postmortems.factories import start_postmortem


def _get(client, user, postmortem, export):
    client.force_login(user)
    return client.get(f"/postmortems/{postmortem.pk}/export/{export}/")


def test_the_detail_page_links_to_the_web_downloads_not_the_api(client, postmortem, author):
    client.force_login(author)
    page = client.get(f"/postmortems/{postmortem.pk}/").content.decode()
    assert f'href="/postmortems/{postmortem.pk}/export/pdf/"' in page
    assert f'href="/postmortems/{postmortem.pk}/export/markdown/"' in page
    assert "/api/v1/postmortems/" not in page


def test_the_web_pdf_is_the_api_pdf_and_is_audited(client, api_as, postmortem, author):
    response = _get(client, author, postmortem, "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{postmortem.reference}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert postmortem.title in text
    api = api_as(author).get(f"/api/v1/postmortems/{postmortem.pk}/pdf/")
    assert api["Content-Disposition"] == response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="postmortem.exported", changes__format="pdf").count() == 2


def test_the_web_markdown_download(client, postmortem, author):
    response = _get(client, author, postmortem, "markdown")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert f"| Reference | {postmortem.reference} |" in response.content.decode()


def test_an_unknown_format_is_a_404(client, postmortem, author):
    assert _get(client, author, postmortem, "docx").status_code == 404
    assert not AuditEvent.objects.filter(action="postmortem.exported").exists()


def test_a_render_timeout_on_the_web_download_is_an_html_503_page(client, postmortem, author, settings):
    settings.PDF_RENDER_TIMEOUT = 0.0001  # no renderer answers this fast
    response = _get(client, author, postmortem, "pdf")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    assert "The PDF could not be made" in response.content.decode()


def test_an_oversized_web_pdf_is_an_html_413_page(client, postmortem, author, settings):
    settings.PDF_MAX_HTML_BYTES = 100
    response = _get(client, author, postmortem, "pdf")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Shorten the text" in response.content.decode()


@pytest.mark.parametrize("export", ["pdf", "markdown"])
def test_outsiders_get_404_on_the_web_downloads_of_a_restricted_postmortem(
    client, author, outsider, restricted_resolved, export
):
    postmortem = start_postmortem(author, [restricted_resolved])
    assert _get(client, outsider, postmortem, export).status_code == 404
    assert not AuditEvent.objects.filter(action="postmortem.exported").exists()
