# ruff: noqa: F811  (the fixtures imported from test_report_pdf_content)
"""The report page's PDF is a web route: the API's very file (a submitted report's stored bytes,
checked against the digest recorded at submission), an HTML page when a preview cannot be made,
and 404 for readers who may not see the report."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import Permission

from compliance.models import RegulatorReport
from incidents import services as incident_services
from portal.models import AuditEvent
from tests.compliance.test_report_pdf_content import (  # noqa: F401
    _approved,
    _stored,
    _submit,
    approver,
    obligation,
    officer,
)


def _web(client, user, report):
    client.force_login(user)
    return client.get(f"/compliance/reports/{report.pk}/pdf/")


def test_the_report_page_links_to_the_web_pdf_not_the_api(client, api_as, officer, approver, obligation):
    report = _approved(api_as, officer, approver, obligation)
    client.force_login(officer)
    page = client.get(f"/compliance/reports/{report.pk}/").content.decode()
    assert f'href="/compliance/reports/{report.pk}/pdf/"' in page
    assert "/api/v1/compliance/reports/" not in page


def test_a_submitted_report_downloads_the_stored_bytes_from_the_page_and_the_api(
    client, api_as, officer, approver, obligation
):
    report = _submit(_approved(api_as, officer, approver, obligation), approver)
    stored = _stored(report)
    web = _web(client, officer, report)
    api = api_as(officer).get(f"/api/v1/compliance/reports/{report.pk}/pdf/")
    for response in (web, api):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored
        assert response["X-Content-SHA256"] == report.pdf_sha256 == hashlib.sha256(stored).hexdigest()
        assert response["Content-Disposition"].endswith('.pdf"')
        assert "DRAFT" not in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="report.pdf_exported", changes__stored=True).count() == 2


def test_a_draft_downloads_a_fresh_preview_marked_draft(client, api_as, officer, approver, obligation):
    report = _approved(api_as, officer, approver, obligation)
    response = _web(client, officer, report)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].endswith('-DRAFT.pdf"')
    assert "X-Content-SHA256" not in response


def test_stored_bytes_that_no_longer_match_the_digest_are_withheld(client, api_as, officer, approver, obligation):
    report = _submit(_approved(api_as, officer, approver, obligation), approver)
    with open(report.pdf.path, "ab") as handle:  # a database or disk writer changed the file
        handle.write(b"%% appended later")
    api = api_as(officer).get(f"/api/v1/compliance/reports/{report.pk}/pdf/")
    assert api.status_code == 409
    assert "no longer matches the digest" in api.json()["detail"]
    web = _web(client, officer, report)
    assert web.status_code == 302
    assert web["Location"] == f"/compliance/reports/{report.pk}/"
    page = client.get(web["Location"]).content.decode()
    assert "no longer matches the digest" in page
    assert not AuditEvent.objects.filter(action="report.pdf_exported").exists()


def test_a_preview_that_cannot_be_made_is_an_html_503_page(client, api_as, officer, approver, obligation, settings):
    report = _approved(api_as, officer, approver, obligation)
    settings.PDF_RENDER_TIMEOUT = 0.0001  # no renderer answers this fast
    response = _web(client, officer, report)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    assert "The PDF could not be made" in response.content.decode()


def test_outsiders_get_404_on_the_pdf_of_a_restricted_incident(
    client, api_as, officer, approver, obligation, breach, outsider
):
    report = _approved(api_as, officer, approver, obligation)
    incident_services.incident_update(incident=breach, actor=officer, data={"is_restricted": True})
    assert RegulatorReport.objects.get(pk=report.pk).incident.is_restricted
    # Reads reports in general, but is not on this incident's response team.
    outsider.user_permissions.add(Permission.objects.get(codename="view_regulatorreport"))
    assert _web(client, outsider, report).status_code == 404
    assert api_as(outsider).get(f"/api/v1/compliance/reports/{report.pk}/pdf/").status_code == 404
    assert not AuditEvent.objects.filter(action="report.pdf_exported").exists()
