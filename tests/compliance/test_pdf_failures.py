"""A PDF that cannot be made answers 503 (413 when too large) with JSON, and the submission changes nothing."""

from __future__ import annotations

import pytest

from compliance.choices import ObligationStatus, ReportStatus
from compliance.models import RegulatorReport
from portal.models import OutboxMessage
from tests.compliance.test_submission_faults import _files
from tests.integrations.test_side_effects_after_commit import approved_report  # noqa: F401  (fixture)


@pytest.fixture
def render_timeout(settings):
    settings.PDF_RENDER_TIMEOUT = 0.0001  # no renderer answers this fast


def _submit(client, report):
    return client.post(
        f"/api/v1/compliance/reports/{report.pk}/submit/", {"submission_reference": "DPA-3"}, format="json"
    )


def _unchanged(report) -> None:
    fresh = RegulatorReport.objects.get(pk=report.pk)
    assert fresh.status == ReportStatus.APPROVED
    assert not fresh.pdf
    assert fresh.obligation.status != ObligationStatus.FULFILLED
    assert not OutboxMessage.objects.exists()
    assert _files() == []


def test_a_render_timeout_during_submission_is_a_503_and_changes_nothing(
    approved_report, api_as, render_timeout  # noqa: F811
):
    response = _submit(api_as(approved_report.approver_user), approved_report)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "seconds" in response.json()["detail"]
    assert "Nothing was changed" in response.json()["detail"]
    _unchanged(approved_report)


def test_a_render_timeout_of_the_preview_is_a_503(approved_report, api_as, render_timeout):  # noqa: F811
    response = api_as(approved_report.approver_user).get(f"/api/v1/compliance/reports/{approved_report.pk}/pdf/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")


def test_an_oversized_document_is_a_413(approved_report, api_as, settings):  # noqa: F811
    settings.PDF_MAX_HTML_BYTES = 100
    response = _submit(api_as(approved_report.approver_user), approved_report)
    assert response.status_code == 413
    assert "Shorten" in response.json()["detail"]
    _unchanged(approved_report)


def _web_submit(client, report):
    client.force_login(report.approver_user)
    return client.post(
        f"/compliance/reports/{report.pk}/", {"action": "submit", "submission_reference": "DPA-web-7"}
    )


def test_a_render_timeout_on_the_web_submission_is_a_503_page_keeping_the_input(
    approved_report, client, render_timeout  # noqa: F811
):
    response = _web_submit(client, approved_report)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "The report was not submitted." in page
    assert "Nothing was changed; try again in a minute." in page
    assert 'value="DPA-web-7"' in page  # the reference the user typed is still in the form
    _unchanged(approved_report)


def test_an_oversized_document_on_the_web_submission_is_a_413_page(
    approved_report, client, settings  # noqa: F811
):
    settings.PDF_MAX_HTML_BYTES = 100
    response = _web_submit(client, approved_report)
    assert response.status_code == 413
    assert "Shorten the text" in response.content.decode()
    assert 'value="DPA-web-7"' in response.content.decode()
    _unchanged(approved_report)


def test_a_web_page_that_lets_a_render_failure_through_answers_503_not_500(rf, render_timeout, admin_user):
    from portal.pdf import PdfRenderError, render_html_to_pdf
    from portal.pdf_pages import PdfFailureMiddleware

    with pytest.raises(PdfRenderError) as failure:
        render_html_to_pdf("<p>x</p>")
    request = rf.get("/somewhere/")
    request.user = admin_user
    response = PdfFailureMiddleware(lambda r: None).process_exception(request, failure.value)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "The PDF could not be made" in response.content.decode()
