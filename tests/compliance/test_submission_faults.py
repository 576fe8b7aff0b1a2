"""A fault inside the submission leaves database, files and mail as they were; verify_storage tells."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from compliance import services
from compliance.choices import ObligationStatus, ReportStatus
from compliance.models import RegulatorReport
from portal.models import AuditEvent, OutboxMessage
from tests.integrations.test_side_effects_after_commit import approved_report  # noqa: F401  (fixture)


def _files() -> list[str]:
    from portal.storage import _walk

    return list(_walk(default_storage))


@pytest.mark.parametrize("where", ["compliance.services.report_steps.timeline_record", "compliance.services.report_steps.obligations_refresh"])
def test_an_exception_inside_the_submission_leaves_no_file_no_change_and_no_mail(
    approved_report, api_as, monkeypatch, where, django_capture_on_commit_callbacks  # noqa: F811
):
    def fault(*args, **kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(where, fault)
    audit_before = AuditEvent.objects.count()
    client = api_as(approved_report.approver_user)
    client.raise_request_exception = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/api/v1/compliance/reports/{approved_report.pk}/submit/",
            {"submission_reference": "DPA-9"},
            format="json",
        )
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    report = RegulatorReport.objects.get(pk=approved_report.pk)
    assert report.status == ReportStatus.APPROVED
    assert not report.pdf
    assert report.pdf_sha256 == ""
    assert report.obligation.status != ObligationStatus.FULFILLED
    assert AuditEvent.objects.count() == audit_before
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []
    assert _files() == []  # the PDF rendered before the fault is gone


def test_a_successful_submission_keeps_its_pdf(approved_report):  # noqa: F811
    services.report_transition(
        report=approved_report,
        action="submit",
        actor=approved_report.approver_user,
        submission=services.SubmissionInput(reference="DPA-1"),
    )
    approved_report.refresh_from_db()
    assert _files() == [approved_report.pdf.name]


def test_verify_storage_lists_missing_changed_and_orphan_files(approved_report, capsys):  # noqa: F811
    services.report_transition(
        report=approved_report,
        action="submit",
        actor=approved_report.approver_user,
        submission=services.SubmissionInput(reference="DPA-1"),
    )
    approved_report.refresh_from_db()
    call_command("verify_storage")
    assert "0 missing, 0 mismatched, 0 orphan files" in capsys.readouterr().out

    path = default_storage.path(approved_report.pdf.name)
    with open(path, "ab") as handle:
        handle.write(b"%tampered")
    default_storage.save("reports/stray.pdf", ContentFile(b"%PDF-stray"))
    with pytest.raises(CommandError) as failure:
        call_command("verify_storage")
    assert failure.value.returncode == 1
    out = capsys.readouterr().out
    assert f"MISMATCH  regulator report #{approved_report.pk}" in out
    assert "ORPHAN    reports/stray.pdf" in out

    default_storage.delete(approved_report.pdf.name)
    with pytest.raises(CommandError):
        call_command("verify_storage")
    assert f"MISSING   regulator report #{approved_report.pk}" in capsys.readouterr().out
