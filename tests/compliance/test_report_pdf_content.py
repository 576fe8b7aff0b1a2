"""What a submitted regulator PDF holds: only what that authority should read."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from compliance import services
from compliance.models import Obligation, RegulatorReport
from compliance.regimes.catalogue import REGIME_CODES
from compliance.report_fields import field_info
from incidents import services as incident_services
from incidents.models import TimelineEvent
from portal import roles
from tests.factories import UserFactory

REPORTS = "/api/v1/compliance/reports/"


@pytest.fixture
def officer(db):
    return UserFactory(
        username="usr-officer-7q", first_name="Greta", last_name="Lindqvist", role=roles.COMPLIANCE_OFFICER
    )


@pytest.fixture
def approver(db):
    return UserFactory(
        username="usr-approver-9z", first_name="Tomas", last_name="Okafor", role=roles.COMPLIANCE_OFFICER
    )


@pytest.fixture
def noter(db):
    return UserFactory(
        username="usr-noter-3k", first_name="Ines", last_name="Moreau", role=roles.INCIDENT_RESPONDER
    )


@pytest.fixture
def obligation(assessed, breach):
    return Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _stored(report: RegulatorReport) -> bytes:
    with report.pdf.open("rb") as handle:
        return handle.read()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _approved(
    api_as, officer, approver, obligation, *, include_timeline: bool | None = None
) -> RegulatorReport:
    report = services.report_create(obligation=obligation, actor=officer)
    payload: dict = {
        "fields": {key: report.fields.get(key) or f"Answer for {key}" for key in obligation.required_fields}
    }
    if include_timeline is not None:
        payload["include_timeline"] = include_timeline
    client = api_as(officer)
    response = client.patch(f"{REPORTS}{report.pk}/", payload, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    services.report_transition(report=report, action="submit_for_review", actor=officer)
    services.report_transition(report=report, action="approve", actor=approver)
    return RegulatorReport.objects.get(pk=report.pk)


def _submit(report: RegulatorReport, approver) -> RegulatorReport:
    return services.report_transition(
        report=report,
        action="submit",
        actor=approver,
        submission=services.SubmissionInput(reference="DPA-77"),
    )


def test_the_submitted_pdf_holds_only_what_the_authority_receives(
    api_as, officer, approver, noter, obligation, breach
):
    incident_services.incident_add_note(incident=breach, actor=noter, text="Internal: suspect the vendor.")
    report = _submit(_approved(api_as, officer, approver, obligation), approver)
    assert report.include_timeline is False
    text = _text(_stored(report))
    flat = _flat(text)

    assert "Notification to BfDI / Berlin DPA: EU General Data Protection Regulation" in flat
    assert "Regulation (EU) 2016/679 Art. 33(1)" in flat
    for key in obligation.required_fields:
        assert field_info(key).label in flat
        guidance = field_info(key).guidance
        if guidance:
            assert _flat(guidance)[:40] not in flat, key
    assert "Greta Lindqvist" in flat
    assert "Tomas Okafor" in flat
    for username in ("usr-officer-7q", "usr-approver-9z", "usr-noter-3k", "responder", "compliance"):
        assert username not in flat.lower().replace("compliance officer", ""), username
    for code in (
        Obligation.objects.filter(incident=breach).exclude(pk=obligation.pk).values_list("code", flat=True)
    ):
        assert code not in flat, code
    for regime in REGIME_CODES - {"GDPR"}:
        assert not re.search(rf"\b{re.escape(regime)}\b", flat), regime
    assert "Internal: suspect the vendor." not in flat
    assert "timeline" not in flat.lower()
    assert "Severity" not in flat
    assert "Page 1 of" in flat
    assert report.content_sha256 in text.replace("\n", "")
    assert "DRAFT" not in flat


def test_the_preview_shows_guidance_marked_draft(api_as, officer, approver, obligation):
    report = _approved(api_as, officer, approver, obligation)
    response = api_as(officer).get(f"{REPORTS}{report.pk}/pdf/")
    assert response.status_code == 200
    flat = _flat(_text(response.content))
    assert "DRAFT" in flat
    shown = [key for key in obligation.required_fields if field_info(key).guidance]
    assert shown
    assert all(_flat(field_info(key).guidance)[:40] in flat for key in shown)


def test_the_timeline_choice_is_validated_naming_the_field(api_as, officer, obligation):
    report = services.report_create(obligation=obligation, actor=officer)
    response = api_as(officer).patch(
        f"{REPORTS}{report.pk}/", {"include_timeline": "maybe"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400
    assert "include_timeline" in response.json()
    assert RegulatorReport.objects.get(pk=report.pk).version == 1


def test_marking_a_timeline_entry_for_regulators(api_as, officer, noter, breach, auditor):
    event = incident_services.incident_add_note(incident=breach, actor=noter, text="Vendor patched.")
    url = f"/api/v1/incidents/{breach.pk}/timeline/{event.pk}/"
    assert api_as(auditor).patch(url, {"for_regulators": True}, format="json").status_code == 403
    refused = api_as(officer).patch(url, {"for_regulators": "perhaps"}, format="json")
    assert refused.status_code == 400
    assert "for_regulators" in refused.json()
    response = api_as(officer).patch(url, {"for_regulators": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["for_regulators"] is True
    assert TimelineEvent.objects.get(pk=event.pk).for_regulators is True
    assert (
        api_as(officer)
        .patch(f"/api/v1/incidents/{breach.pk}/timeline/999999/", {"for_regulators": True}, format="json")
        .status_code
        == 404
    )


def test_the_web_page_marks_an_entry(client, officer, noter, breach):
    event = incident_services.incident_add_note(incident=breach, actor=noter, text="Vendor patched.")
    client.force_login(officer)
    page = client.get(f"/incidents/{breach.pk}/")
    assert "Mark for regulators" in page.content.decode()
    response = client.post(
        f"/incidents/{breach.pk}/timeline/{event.pk}/for-regulators/", {"for_regulators": "true"}
    )
    assert response.status_code == 302
    assert TimelineEvent.objects.get(pk=event.pk).for_regulators is True


def test_an_included_timeline_prints_only_marked_entries_and_the_preview_is_the_frozen_document(
    api_as, officer, approver, noter, obligation, breach
):
    marked = incident_services.incident_add_note(
        incident=breach, actor=noter, text="Affected database isolated."
    )
    incident_services.incident_add_note(incident=breach, actor=noter, text="Internal: blame the vendor.")
    incident_services.timeline_mark_for_regulators(event=marked, actor=officer, for_regulators=True)
    report = _approved(api_as, officer, approver, obligation, include_timeline=True)
    assert report.include_timeline is True
    preview = _text(api_as(officer).get(f"{REPORTS}{report.pk}/pdf/").content)
    report = _submit(report, approver)
    submitted = _text(_stored(report))
    flat = _flat(submitted)

    assert "Affected database isolated." in flat
    assert "Ines Moreau" in flat
    assert "Internal: blame the vendor." not in flat
    assert "usr-noter-3k" not in flat
    # Every other timeline line (creation, report steps, the marking itself) stays out.
    for event in TimelineEvent.objects.filter(incident=breach, for_regulators=False):
        assert _flat(event.text) not in flat, event.text

    def section(text: str, start: str, end: str) -> list[str]:
        body = text[text.index(start) : text.index(end, text.index(start))]
        # Page furniture (footer with hash and page number, the DRAFT watermark) is not content.
        furniture = ("Content SHA-256:", "DRAFT")
        return [line.strip() for line in body.splitlines() if line.strip() and not line.startswith(furniture)]

    # The timeline the approver saw is exactly the one frozen.
    assert section(preview, "Incident timeline", "Content SHA-256 ") == section(
        submitted, "Incident timeline", "Content SHA-256 "
    )
    # The content differs only by the guidance the preview adds.
    guidance = _flat(" ".join(field_info(key).guidance for key in obligation.required_fields))
    frozen = section(submitted, "Report content", "Approval trail")
    shown = section(preview, "Report content", "Approval trail")
    remaining = iter(shown)
    assert all(any(line == candidate for candidate in remaining) for line in frozen)
    assert all(line in frozen or line in guidance for line in shown)
    assert "DRAFT" in preview
    assert "DRAFT" not in submitted

    # The choice and the printed lines are part of the content hash.
    from compliance.services.report_steps import _content_digest

    assert _content_digest(report) == report.content_sha256
    report.include_timeline = False
    assert _content_digest(report) != report.content_sha256
