from __future__ import annotations

import hashlib
import io
import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone
from pypdf import PdfReader

from compliance import services
from compliance.choices import ObligationStatus, ReportStatus
from compliance.models import Obligation, RegulatorReport
from incidents import services as incident_services
from portal.models import AuditEvent
from tests.factories import UserFactory

REPORTS = "/api/v1/compliance/reports/"


@pytest.fixture
def second_officer(db):
    return UserFactory(username="compliance2", role="Compliance Officer")


@pytest.fixture
def authority_obligation(assessed, breach):
    return Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")


def _complete(report: RegulatorReport) -> dict[str, str]:
    return {key: report.fields.get(key) or f"Answer for {key}" for key in report.obligation.required_fields}


def _draft(client, obligation):
    response = client.post(REPORTS, {"obligation": obligation.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _fill(client, report_id, version, fields):
    return client.patch(
        f"{REPORTS}{report_id}/", {"fields": fields}, format="json", HTTP_IF_MATCH=f'"{version}"'
    )


def test_a_draft_is_prefilled_from_the_incident_and_assessment(
    api_as, compliance_officer, authority_obligation, breach, bank
):
    body = _draft(api_as(compliance_officer), authority_obligation)
    assert body["status"] == "draft"
    assert body["fields"]["nature_of_breach"] == breach.summary
    assert body["fields"]["approx_data_subjects"] == "1200"
    assert body["fields"]["contact_point"] == bank.dpo_contact
    assert body["required_fields"] == authority_obligation.required_fields
    assert "measures_proposed" in body["missing_fields"]
    assert body["field_labels"]["nature_of_breach"]["label"] == "Nature of the breach"
    assert body["version"] == 1


def test_the_full_four_eyes_workflow(
    api_as, compliance_officer, second_officer, authority_obligation, breach
):
    author = api_as(compliance_officer)
    report = _draft(author, authority_obligation)
    url = f"{REPORTS}{report['id']}/"
    assert author.post(f"{url}submit_for_review/").status_code == 409  # fields missing
    report_obj = RegulatorReport.objects.get(pk=report["id"])
    filled = _fill(author, report["id"], 1, _complete(report_obj))
    assert filled.status_code == 200, filled.content
    assert filled.json()["missing_fields"] == []
    assert author.post(f"{url}submit_for_review/").json()["status"] == "in_review"
    refused = author.post(f"{url}approve/")
    assert refused.status_code == 403
    assert "author" in refused.json()["detail"]
    reviewer = api_as(second_officer)
    approved = reviewer.post(f"{url}approve/", {"comment": "Checked against the DPA form."}, format="json")
    assert approved.status_code == 200
    assert approved.json()["approver"]["username"] == "compliance2"
    assert reviewer.post(f"{url}submit/", {}, format="json").status_code == 400  # reference required
    submitted = reviewer.post(f"{url}submit/", {"submission_reference": "DPA-2026-4411"}, format="json")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["submission_reference"] == "DPA-2026-4411"
    assert len(body["pdf_sha256"]) == 64
    authority_obligation.refresh_from_db()
    assert authority_obligation.status == ObligationStatus.FULFILLED
    assert breach.timeline.filter(kind="report", text__contains="submitted to").exists()
    actions = set(
        AuditEvent.objects.filter(object_type="compliance.regulatorreport").values_list("action", flat=True)
    )
    assert {
        "report.created",
        "report.updated",
        "report.submit_for_review",
        "report.approve",
        "report.submit",
    } <= actions


def test_request_changes_and_withdraw_return_to_draft(
    api_as, compliance_officer, second_officer, authority_obligation
):
    author = api_as(compliance_officer)
    report = _draft(author, authority_obligation)
    url = f"{REPORTS}{report['id']}/"
    _fill(author, report["id"], 1, _complete(RegulatorReport.objects.get(pk=report["id"])))
    author.post(f"{url}submit_for_review/")
    reviewer = api_as(second_officer)
    assert reviewer.post(f"{url}request_changes/", {"comment": ""}, format="json").status_code == 400
    back = reviewer.post(f"{url}request_changes/", {"comment": "Add the ticket numbers."}, format="json")
    assert back.json()["status"] == "draft"
    assert back.json()["review_comment"] == "Add the ticket numbers."
    author.post(f"{url}submit_for_review/")
    reviewer.post(f"{url}approve/")
    withdrawn = author.post(f"{url}withdraw/", {"comment": "New facts."}, format="json")
    assert withdrawn.json()["status"] == "draft"
    assert withdrawn.json()["approver"] is None


def test_updates_need_if_match_and_stale_versions_lose(api_as, compliance_officer, authority_obligation):
    client = api_as(compliance_officer)
    report = _draft(client, authority_obligation)
    url = f"{REPORTS}{report['id']}/"
    assert client.patch(url, {"fields": {"measures_taken": "x"}}, format="json").status_code == 428
    assert _fill(client, report["id"], 1, {"measures_taken": "Rotated keys."}).status_code == 200
    stale = _fill(client, report["id"], 1, {"measures_proposed": "Audit."})
    assert stale.status_code == 412
    current = client.get(url).json()
    assert current["fields"]["measures_taken"] == "Rotated keys."
    assert current["fields"].get("measures_proposed", "") == ""
    assert current["version"] == 2


def test_two_writers_one_wins_and_no_field_is_lost(compliance_officer, second_officer, authority_obligation):
    report = services.report_create(obligation=authority_obligation, actor=compliance_officer)
    services.report_update(
        report=report, actor=compliance_officer, fields={"measures_taken": "A"}, expected_version=1
    )
    with pytest.raises(Exception, match="version 2, not 1"):
        services.report_update(
            report=report, actor=second_officer, fields={"measures_taken": "B"}, expected_version=1
        )
    services.report_update(
        report=report, actor=second_officer, fields={"measures_proposed": "C"}, expected_version=2
    )
    report.refresh_from_db()
    assert (report.fields["measures_taken"], report.fields["measures_proposed"], report.version) == (
        "A",
        "C",
        3,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections to a server")
def test_concurrent_writers_with_the_same_version_one_wins(
    tx_db, compliance_officer, second_officer, bank, responder
):
    from tests.compliance.conftest import _make_assessed

    obligation = _make_assessed(responder, bank, compliance_officer)
    report = services.report_create(obligation=obligation, actor=compliance_officer)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def write(user, value):
        try:
            barrier.wait()
            services.report_update(
                report=report, actor=user, fields={"measures_taken": value}, expected_version=1
            )
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=write, args=(u, v))
        for u, v in ((compliance_officer, "A"), (second_officer, "B"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["PreconditionFailed", "ok"]
    report.refresh_from_db()
    assert report.version == 2


def _submitted(compliance_officer, second_officer, obligation) -> RegulatorReport:
    report = services.report_create(obligation=obligation, actor=compliance_officer)
    services.report_update(
        report=report, actor=compliance_officer, fields=_complete(report), expected_version=1
    )
    services.report_transition(report=report, action="submit_for_review", actor=compliance_officer)
    services.report_transition(report=report, action="approve", actor=second_officer)
    return services.report_transition(
        report=report,
        action="submit",
        actor=second_officer,
        submission=services.SubmissionInput(reference="DPA-1"),
    )


def test_a_submitted_report_is_frozen_everywhere(
    api_as, compliance_officer, second_officer, authority_obligation
):
    report = _submitted(compliance_officer, second_officer, authority_obligation)
    response = _fill(api_as(compliance_officer), report.pk, report.version, {"measures_taken": "changed"})
    assert response.status_code == 409
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        RegulatorReport.objects.filter(pk=report.pk).update(submission_reference="forged")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE compliance_regulatorreport SET fields = '{}' WHERE id = %s", [report.pk])
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        RegulatorReport.objects.filter(pk=report.pk).delete()
    assert RegulatorReport.objects.get(pk=report.pk).submission_reference == "DPA-1"


def test_the_stored_pdf_is_served_byte_identical(
    api_as, compliance_officer, second_officer, authority_obligation, breach, bank
):
    report = _submitted(compliance_officer, second_officer, authority_obligation)
    client = api_as(second_officer)
    first = b"".join(client.get(f"{REPORTS}{report.pk}/pdf/").streaming_content)
    second = b"".join(client.get(f"{REPORTS}{report.pk}/pdf/").streaming_content)
    assert first == second
    assert hashlib.sha256(first).hexdigest() == report.pdf_sha256
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(first)).pages)
    assert bank.name in text
    assert bank.lei in text
    assert breach.reference in text
    assert "Nature of the breach" in text
    assert "DPA-1" in text
    assert "BfDI / Berlin DPA" in text
    assert report.content_sha256 in text.replace("\n", "")
    assert "Page 1 of" in text
    assert "DRAFT" not in text


def test_a_draft_pdf_is_a_marked_preview(api_as, compliance_officer, authority_obligation):
    report = services.report_create(obligation=authority_obligation, actor=compliance_officer)
    response = api_as(compliance_officer).get(f"{REPORTS}{report.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "DRAFT" in text


def test_hostile_text_in_the_incident_is_printed_not_fetched(
    compliance_officer, authority_obligation, breach, responder
):
    incident_services.incident_update(
        incident=breach,
        actor=responder,
        data={"summary": '<img src="http://127.0.0.1:9/x.png"><script>x</script>'},
    )
    report = services.report_create(obligation=authority_obligation, actor=compliance_officer)
    from compliance.documents import render_report_pdf

    text = PdfReader(io.BytesIO(render_report_pdf(report, draft=True))).pages[0].extract_text()
    assert '<img src="http://127.0.0.1:9/x.png">' in text.replace("\n", "")


def test_submission_feeds_follow_up_deadlines(compliance_officer, second_officer, assessed, breach):
    services.decision_record(
        assessment=assessed,
        kind="significant",
        value=True,
        decided_at=breach.aware_at,
        rationale="Significant.",
        actor=compliance_officer,
    )
    final = Obligation.objects.get(incident=breach, code="NIS2/final")
    assert final.provisional is True
    notification = Obligation.objects.get(incident=breach, code="NIS2/notification")
    _submitted(compliance_officer, second_officer, notification)
    final.refresh_from_db()
    submitted_at = RegulatorReport.objects.get(obligation=notification).submitted_at
    assert final.provisional is False
    assert final.clock_start == submitted_at.replace(microsecond=0) or final.clock_start == submitted_at
    assert final.due_changes.exists()


def test_late_reports_must_give_reasons_for_delay(compliance_officer, authority_obligation):
    Obligation.objects.filter(pk=authority_obligation.pk).update(due_at=timezone.now() - timedelta(hours=1))
    report = services.report_create(obligation=authority_obligation, actor=compliance_officer)
    assert "reasons_for_delay" in services.report_required_fields(report)
    assert "reasons_for_delay" in services.report_missing_fields(report)


def test_an_amendment_supersedes_the_submitted_report(
    api_as, compliance_officer, second_officer, authority_obligation
):
    original = _submitted(compliance_officer, second_officer, authority_obligation)
    client = api_as(compliance_officer)
    response = client.post(
        REPORTS, {"obligation": authority_obligation.pk, "supersedes": original.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["supersedes"] == original.pk
    assert response.json()["fields"] == original.fields
    assert client.get(f"{REPORTS}{original.pk}/").json()["superseded_by"] == response.json()["id"]
    again = client.post(REPORTS, {"obligation": authority_obligation.pk}, format="json")
    assert again.status_code == 409


def test_roles_around_reports(api_as, auditor, responder, author, compliance_officer, authority_obligation):
    report = _draft(api_as(compliance_officer), authority_obligation)
    assert api_as(auditor).get(f"{REPORTS}{report['id']}/").status_code == 200
    assert (
        api_as(auditor).post(REPORTS, {"obligation": authority_obligation.pk}, format="json").status_code
        == 403
    )
    assert api_as(responder).get(REPORTS).status_code == 403
    assert api_as(author).get(REPORTS).status_code == 403


def test_drafts_can_be_deleted_but_nothing_later(api_as, compliance_officer, authority_obligation):
    client = api_as(compliance_officer)
    report = _draft(client, authority_obligation)
    assert client.delete(f"{REPORTS}{report['id']}/").status_code == 204
    assert not RegulatorReport.objects.filter(pk=report["id"]).exists()


def test_the_report_status_only_moves_through_services(compliance_officer, authority_obligation):
    report = services.report_create(obligation=authority_obligation, actor=compliance_officer)
    assert report.status == ReportStatus.DRAFT
    with pytest.raises(Exception, match="needs approved"):
        services.report_transition(
            report=report,
            action="submit",
            actor=compliance_officer,
            submission=services.SubmissionInput(reference="x"),
        )
