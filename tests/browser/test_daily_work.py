"""Each kind of user doing their daily work in a real browser."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from compliance.models import LegalEntity, Obligation, RegulatorReport
from incidents.models import Incident
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("Incident Responder", ["Incidents", "Compliance"], ["Audit trail"]),
        ("Compliance Officer", ["Incidents", "Compliance"], ["Audit trail"]),
        ("Post-mortem Author", ["Incidents"], ["Compliance", "Audit trail"]),
        ("Auditor", ["Incidents", "Compliance", "Audit trail"], []),
    ],
)
def test_each_role_signs_in_and_sees_its_menu(page_for, role, visible, hidden):
    user = UserFactory(username=role.lower().replace(" ", "-"), role=role)
    page = page_for(user)
    nav = page.get_by_role("navigation", name="Main")
    for name in visible:
        assert nav.get_by_role("link", name=name).count() == 1, name
    for name in hidden:
        assert nav.get_by_role("link", name=name).count() == 0, name
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def test_a_responder_declares_acknowledges_contains_and_notes(page_for, responder, site):
    page = page_for(responder)
    page.get_by_role("link", name="Declare an incident").first.click()
    page.get_by_label("Title").fill("Payments API returning 502")
    page.get_by_label("Severity").select_option(label="SEV1")
    page.get_by_label("Category").select_option(label="System outage")
    page.get_by_label("Summary").fill("Checkout fails for a third of users.")
    page.get_by_role("button", name="Declare").click()
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    incident = Incident.objects.get(title="Payments API returning 502")
    assert page.get_by_role("heading", name=re.compile(incident.reference)).is_visible()
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_role("button", name="Contain").click()
    assert page.locator(".badge.status").first.inner_text() == "Contained"
    page.get_by_label("Add a note").fill("Rolled back release 2026.11.3.")
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Rolled back release 2026.11.3.").wait_for()
    incident.refresh_from_db()
    assert incident.status == "contained"
    assert incident.timeline.filter(kind="note").count() == 1


def test_an_outsider_cannot_open_a_restricted_incident(page_for, outsider, restricted_incident, site):
    page = page_for(outsider)
    response = page.goto(f"{site}/incidents/{restricted_incident.pk}/")
    assert response.status == 404
    page.goto(f"{site}/incidents/")
    assert restricted_incident.reference not in page.content()


def test_assessment_report_four_eyes_submission_and_pdf(page_for, compliance_officer, responder, site):
    from tests.compliance.conftest import make_breach

    LegalEntity.objects.create(
        name="Nordbank AG",
        country="DE",
        timezone="Europe/Berlin",
        designations=["gdpr-controller"],
        dpo_contact="dpo@nordbank.example",
    )
    breach = make_breach(responder)
    approver = UserFactory(username="approver", role="Compliance Officer")

    page = page_for(compliance_officer)
    page.goto(f"{site}/incidents/{breach.pk}/")
    page.get_by_role("link", name="Assess this incident").click()
    page.get_by_label("Legal entity").select_option(label="Nordbank AG")
    page.get_by_label("Personal data involved").check()
    page.get_by_label("Risk to the people concerned").select_option("high")
    page.get_by_label("Data subjects (number)").fill("1200")
    page.get_by_role("button", name="Save assessment").click()
    page.get_by_text("Assessment saved").wait_for()
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    assert page.get_by_role("link", name="GDPR/supervisory-authority").is_visible()

    page.get_by_role("link", name="GDPR/supervisory-authority").click()
    page.get_by_role("button", name="Draft the report").click()
    page.wait_for_url(re.compile(r"/compliance/reports/\d+/$"))
    report = RegulatorReport.objects.get(obligation=obligation)
    for key in report.obligation.required_fields:
        field = page.locator(f"#id_{key}")
        if not field.input_value():
            field.fill(f"Answer for {key}")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Report saved.").wait_for()
    page.get_by_role("button", name="Send for review").click()
    page.get_by_text("Waiting for a second person to review").wait_for()

    second = page_for(approver)
    second.goto(f"{site}/compliance/reports/{report.pk}/")
    second.get_by_role("button", name="Approve").click()
    second.get_by_label("Submission reference").fill("DPA-2026-4411")
    second.get_by_role("button", name="Record the submission").click()
    second.get_by_text("DPA-2026-4411").first.wait_for()
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.approver == approver

    with second.expect_download() as download_info:
        second.get_by_role("link", name="Download the submitted PDF").click()
    path = download_info.value.path()
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Nordbank AG" in text
    assert "DPA-2026-4411" in text
    assert breach.reference in text
