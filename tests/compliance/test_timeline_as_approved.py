# ruff: noqa: F811  (the fixtures imported from test_report_pdf_content)
"""A report prints the timeline lines its approver saw, and no others: a line marked or
unmarked for regulators after the approval stops the submission until someone approves again."""

from __future__ import annotations

import pytest

from compliance import services
from compliance.models import RegulatorReport
from incidents import services as incident_services
from tests.compliance.test_report_pdf_content import (  # noqa: F401
    _approved,
    _flat,
    _stored,
    _submit,
    _text,
    approver,
    noter,
    obligation,
    officer,
)

REPORTS = "/api/v1/compliance/reports/"


def _note(breach, noter, officer, text, *, marked=True):
    event = incident_services.incident_add_note(incident=breach, actor=noter, text=text)
    if marked:
        incident_services.timeline_mark_for_regulators(event=event, actor=officer, for_regulators=True)
    return event


@pytest.fixture
def approved(api_as, officer, approver, noter, obligation, breach):
    _note(breach, noter, officer, "Affected database isolated.")
    report = _approved(api_as, officer, approver, obligation, include_timeline=True)
    assert [line["text"] for line in report.approved_timeline] == ["Affected database isolated."]
    return report


def _refused(api_as, approver, report, needle):
    response = api_as(approver).post(
        f"{REPORTS}{report.pk}/submit/", {"submission_reference": "DPA-9"}, format="json"
    )
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert "changed since the approval" in detail
    assert needle in detail
    fresh = RegulatorReport.objects.get(pk=report.pk)
    assert fresh.status == "approved"
    assert not fresh.pdf
    return fresh


def test_a_line_marked_after_the_approval_stops_the_submission(
    api_as, client, approved, approver, officer, noter, breach
):
    _note(breach, noter, officer, "Attacker used a stolen VPN token.")
    _refused(api_as, approver, approved, "1 added")
    client.force_login(officer)
    page = client.get(f"/compliance/reports/{approved.pk}/").content.decode()
    assert 'id="timeline-drift"' in page
    assert "(1 added)" in page
    assert "Record the submission" not in page  # the page offers no step the service refuses
    assert "Withdraw approval" in page


def test_a_line_unmarked_after_the_approval_stops_the_submission(api_as, approved, approver, officer, breach):
    event = breach.timeline.get(text="Affected database isolated.")
    incident_services.timeline_mark_for_regulators(event=event, actor=officer, for_regulators=False)
    _refused(api_as, approver, approved, "1 removed or changed")


def test_approving_again_prints_what_the_second_approver_saw(
    api_as, client, approved, approver, officer, noter, breach
):
    _note(breach, noter, officer, "Attacker used a stolen VPN token.")
    _refused(api_as, approver, approved, "1 added")
    services.report_transition(report=approved, action="withdraw", actor=officer, comment="Timeline grew.")
    assert RegulatorReport.objects.get(pk=approved.pk).approved_timeline is None
    services.report_transition(report=approved, action="submit_for_review", actor=officer)
    services.report_transition(report=approved, action="approve", actor=approver)
    report = _submit(RegulatorReport.objects.get(pk=approved.pk), approver)
    printed = _flat(_text(_stored(report)))
    assert "Affected database isolated." in printed
    assert "Attacker used a stolen VPN token." in printed
    client.force_login(officer)
    assert 'id="timeline-drift"' not in client.get(f"/compliance/reports/{report.pk}/").content.decode()


def test_the_submit_form_shows_while_the_lines_are_as_approved(client, approved, approver):
    client.force_login(approver)
    page = client.get(f"/compliance/reports/{approved.pk}/").content.decode()
    assert "Record the submission" in page
    assert 'id="timeline-drift"' not in page


def test_unmarked_lines_added_after_the_approval_change_nothing(api_as, approved, approver, officer, noter, breach):
    _note(breach, noter, officer, "Internal: call the insurer.", marked=False)
    report = _submit(approved, approver)
    assert report.status == "submitted"
    assert "Internal: call the insurer." not in _flat(_text(_stored(report)))


def test_without_the_timeline_marking_after_the_approval_changes_nothing(
    api_as, officer, approver, noter, obligation, breach
):
    report = _approved(api_as, officer, approver, obligation, include_timeline=False)
    assert report.approved_timeline == []
    _note(breach, noter, officer, "Attacker used a stolen VPN token.")
    assert _submit(report, approver).status == "submitted"


def test_an_approval_recorded_before_snapshots_were_kept_is_not_refused(
    api_as, approved, approver, officer, noter, breach
):
    RegulatorReport.objects.filter(pk=approved.pk).update(approved_timeline=None)
    _note(breach, noter, officer, "Attacker used a stolen VPN token.")
    report = _submit(RegulatorReport.objects.get(pk=approved.pk), approver)
    assert "Attacker used a stolen VPN token." in _flat(_text(_stored(report)))
