"""The access rules of compliance/permissions.py, and that the API, the pages and the services
all follow them: a button shows exactly when the API (and the service behind it) says yes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from compliance import permissions as rules
from compliance import services
from compliance.choices import ObligationStatus, ReportStatus
from compliance.models import Obligation, RegulatorReport
from portal import roles
from tests.compliance.conftest import assess, make_breach
from tests.factories import UserFactory

REPORTS = "/api/v1/compliance/reports/"

#: Every demo role, the report's author (a compliance officer) and a second officer.
PEOPLE = ["admin_user", "compliance_officer", "second_officer", "responder", "author", "auditor", "nobody"]
#: Those whose role writes, reviews and submits reports and decides obligations.
OFFICERS = {"admin_user", "compliance_officer", "second_officer"}
#: Those who may review the officer's report: officers other than its author.
SECOND_PERSONS = {"admin_user", "second_officer"}
READERS = {*OFFICERS, "auditor"}

AUTHOR_REFUSAL = "The author cannot review or approve their own report: a second person must."


@pytest.fixture
def second_officer(db):
    return UserFactory(username="compliance2", role=roles.COMPLIANCE_OFFICER)


@pytest.fixture
def reviewer_without_submit(db):
    """Reviews reports like an officer, but may not record their submission."""
    officer = Group.objects.get(name=roles.COMPLIANCE_OFFICER)
    group = Group.objects.create(name="Reviewer (no submission)")
    group.permissions.set(officer.permissions.exclude(codename="submit_regulatorreport"))
    user = UserFactory(username="reviewer")
    user.groups.add(group)
    return user


@pytest.fixture
def make_obligation(responder, bank, compliance_officer):
    """The GDPR supervisory-authority obligation of a new, assessed breach (each call a new one)."""

    def make() -> Obligation:
        breach = make_breach(responder)
        assess(breach, bank, compliance_officer)
        return Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")

    return make


@pytest.fixture
def make_report(make_obligation, compliance_officer, second_officer):
    """A report written by ``compliance_officer``, taken as far as ``status``."""

    def make(status: str) -> RegulatorReport:
        obligation = make_obligation()
        report = services.report_create(obligation=obligation, actor=compliance_officer)
        fields = {key: report.fields.get(key) or f"Answer for {key}" for key in obligation.required_fields}
        services.report_update(report=report, actor=compliance_officer, fields=fields, expected_version=1)
        if status == ReportStatus.DRAFT:
            return RegulatorReport.objects.get(pk=report.pk)
        report = services.report_submit_for_review(report=report, actor=compliance_officer)
        if status == ReportStatus.APPROVED:
            report = services.report_approve(report=report, actor=second_officer)
        return report

    return make


# --- the predicates themselves -------------------------------------------------------------------------


@pytest.mark.parametrize("person", PEOPLE)
def test_what_each_role_may_do_with_compliance_records(request, person):
    user = request.getfixturevalue(person)
    assert rules.can_view_obligations(user) is (person in {*READERS, "responder"})
    assert rules.can_view_assessments(user) is (person in READERS)
    assert rules.can_view_reports(user) is (person in READERS)
    for predicate in (
        rules.can_assess,
        rules.can_decide_obligations,
        rules.can_draft_reports,
        rules.can_write_reports,
        rules.can_review_reports,
        rules.can_submit_reports,
    ):
        assert predicate(user) is (person in OFFICERS), predicate.__name__


#: For each status a report passes through, who may take each step (the rest may not).
REPORT_STEPS: dict[str, dict[str, set[str]]] = {
    ReportStatus.DRAFT: {
        "can_edit_report": OFFICERS,
        "can_submit_for_review": OFFICERS,
        "can_delete_report": OFFICERS,
    },
    ReportStatus.IN_REVIEW: {"can_approve_report": SECOND_PERSONS, "can_request_changes": SECOND_PERSONS},
    ReportStatus.APPROVED: {"can_withdraw_approval": OFFICERS, "can_submit_report": OFFICERS},
    ReportStatus.SUBMITTED: {},
}
REPORT_PREDICATES = sorted({name for steps in REPORT_STEPS.values() for name in steps})


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_take_each_step_of_a_report_at_each_status(
    request, make_obligation, compliance_officer, second_officer, person
):
    user = request.getfixturevalue(person)
    obligation = make_obligation()
    report = services.report_create(obligation=obligation, actor=compliance_officer)
    fields = {key: report.fields.get(key) or f"Answer for {key}" for key in obligation.required_fields}
    report = services.report_update(
        report=report, actor=compliance_officer, fields=fields, expected_version=1
    )
    steps = [
        lambda r: services.report_submit_for_review(report=r, actor=compliance_officer),
        lambda r: services.report_approve(report=r, actor=second_officer),
        lambda r: services.report_submit(
            report=r, actor=second_officer, submission=services.SubmissionInput(reference="DPA-1")
        ),
        None,
    ]
    for status, step in zip(REPORT_STEPS, steps, strict=True):
        assert report.status == status
        for name in REPORT_PREDICATES:
            allowed = person in REPORT_STEPS[status].get(name, set())
            assert getattr(rules, name)(user, report) is allowed, (name, status)
        if step is not None:
            report = step(report)


@pytest.mark.parametrize("person", PEOPLE)
def test_only_the_author_is_refused_the_review_and_in_the_services_words(request, make_report, person):
    user = request.getfixturevalue(person)
    report = make_report(ReportStatus.IN_REVIEW)
    expected = AUTHOR_REFUSAL if person == "compliance_officer" else None
    assert rules.review_refusal(user, report) == expected


def test_the_service_refuses_the_author_with_review_refusal(make_report, compliance_officer):
    from django.core.exceptions import PermissionDenied

    report = make_report(ReportStatus.IN_REVIEW)
    for step in (services.report_approve, services.report_request_changes):
        with pytest.raises(PermissionDenied) as refused:
            step(report=report, actor=compliance_officer, comment="Looks fine to me.")
        assert str(refused.value) == rules.review_refusal(compliance_officer, report)
    assert RegulatorReport.objects.get(pk=report.pk).status == ReportStatus.IN_REVIEW


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_decide_an_obligation_at_each_status(request, make_obligation, compliance_officer, person):
    user = request.getfixturevalue(person)
    obligation = make_obligation()
    assert rules.can_mark_not_required(user, obligation) is (person in OFFICERS)
    assert rules.can_reopen_obligation(user, obligation) is False
    obligation = services.obligation_mark_not_required(
        obligation=obligation, actor=compliance_officer, rationale="Encrypted backup: no risk."
    )
    assert rules.can_mark_not_required(user, obligation) is False
    assert rules.can_reopen_obligation(user, obligation) is (person in OFFICERS)
    assert rules.can_draft_report(user, obligation) is False  # nothing to report


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_draft_the_report_of_an_obligation(request, make_obligation, compliance_officer, person):
    user = request.getfixturevalue(person)
    obligation = make_obligation()
    assert rules.can_draft_report(user, obligation) is (person in OFFICERS)
    services.report_create(obligation=obligation, actor=compliance_officer)
    assert rules.can_draft_report(user, obligation) is False  # one report in progress at a time


def test_a_fulfilled_obligation_without_a_report_may_be_drafted_as_the_service_allows(
    make_obligation, compliance_officer
):
    obligation = make_obligation()
    Obligation.objects.filter(pk=obligation.pk).update(status=ObligationStatus.FULFILLED)
    obligation.refresh_from_db()
    assert rules.can_draft_report(compliance_officer, obligation)
    services.report_create(obligation=obligation, actor=compliance_officer)  # accepted


def test_a_withdrawn_obligation_may_not_be_drafted_as_the_service_refuses(
    make_obligation, compliance_officer
):
    from portal.errors import ConflictError

    obligation = make_obligation()
    Obligation.objects.filter(pk=obligation.pk).update(status=ObligationStatus.WITHDRAWN)
    obligation.refresh_from_db()
    assert not rules.can_draft_report(compliance_officer, obligation)
    with pytest.raises(ConflictError):
        services.report_create(obligation=obligation, actor=compliance_officer)


# --- the API and the pages ask the same predicates ------------------------------------------------------


def _page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    return response.content.decode() if response.status_code == 200 else ""


@pytest.mark.parametrize("person", ["compliance_officer", "second_officer", "auditor", "responder"])
def test_approve_shows_and_works_on_the_page_exactly_when_the_api_accepts_it(
    request, make_report, client, api_as, compliance_officer, person
):
    user = request.getfixturevalue(person)
    report = make_report(ReportStatus.IN_REVIEW)
    allowed = rules.can_approve_report(user, report)
    assert allowed is (person == "second_officer")
    url = f"/compliance/reports/{report.pk}/"

    assert ('value="approve"' in _page(client, user, url)) is allowed
    response = api_as(user).post(f"{REPORTS}{report.pk}/approve/", {}, format="json")
    assert response.status_code == (200 if allowed else 403), response.content
    if person == "compliance_officer":
        assert response.json()["detail"] == AUTHOR_REFUSAL
    assert (RegulatorReport.objects.get(pk=report.pk).status == ReportStatus.APPROVED) is allowed

    if allowed:  # back into review, for the page to approve it again
        services.report_withdraw(report=report, actor=compliance_officer)
        services.report_submit_for_review(report=report, actor=compliance_officer)
    posted = client.post(url, {"action": "approve"}, follow=True)
    if person == "compliance_officer":  # the page says why, as the API does
        assert AUTHOR_REFUSAL in posted.content.decode()
    else:
        assert posted.status_code == (200 if allowed else 403)
    assert (RegulatorReport.objects.get(pk=report.pk).status == ReportStatus.APPROVED) is allowed


@pytest.mark.parametrize("person", ["second_officer", "reviewer_without_submit", "auditor"])
def test_recording_the_submission_shows_and_works_on_the_page_exactly_when_the_api_accepts_it(
    request, make_report, client, api_as, person
):
    user = request.getfixturevalue(person)
    by_api, by_page = make_report(ReportStatus.APPROVED), make_report(ReportStatus.APPROVED)
    allowed = rules.can_submit_report(user, by_api)
    assert allowed is (person == "second_officer")
    assert rules.can_review_reports(user) is (person != "auditor")

    response = api_as(user).post(
        f"{REPORTS}{by_api.pk}/submit/", {"submission_reference": "DPA-7"}, format="json"
    )
    assert response.status_code == (200 if allowed else 403), response.content
    assert (RegulatorReport.objects.get(pk=by_api.pk).status == ReportStatus.SUBMITTED) is allowed

    url = f"/compliance/reports/{by_page.pk}/"
    assert ("Record the submission" in _page(client, user, url)) is allowed
    posted = client.post(url, {"action": "submit", "submission_reference": "DPA-8"})
    assert posted.status_code == (302 if allowed else 403)
    assert (RegulatorReport.objects.get(pk=by_page.pk).status == ReportStatus.SUBMITTED) is allowed


@pytest.mark.parametrize("person", ["compliance_officer", "auditor", "responder"])
def test_drafting_shows_and_works_on_the_page_exactly_when_the_api_accepts_it(
    request, make_obligation, client, api_as, compliance_officer, person
):
    user = request.getfixturevalue(person)
    obligation = make_obligation()
    allowed = rules.can_draft_report(user, obligation)
    assert allowed is (person == "compliance_officer")
    url = f"/compliance/obligations/{obligation.pk}/"

    assert ('value="draft"' in _page(client, user, url)) is allowed
    response = api_as(user).post(REPORTS, {"obligation": obligation.pk}, format="json")
    assert response.status_code == (201 if allowed else 403), response.content
    assert obligation.reports.count() == (1 if allowed else 0)

    if allowed:  # discard it, for the page to draft it again
        services.report_delete(report=obligation.reports.get(), actor=compliance_officer)
    posted = client.post(url, {"action": "draft"})
    assert posted.status_code == (302 if allowed else 403)
    assert obligation.reports.count() == (1 if allowed else 0)


@pytest.mark.parametrize("person", ["compliance_officer", "auditor"])
def test_the_report_editor_and_its_buttons_follow_the_predicates(request, make_report, client, person):
    user = request.getfixturevalue(person)
    draft = make_report(ReportStatus.DRAFT)
    page = _page(client, user, f"/compliance/reports/{draft.pk}/")
    assert ('<button class="btn" type="submit">Save</button>' in page) is rules.can_edit_report(user, draft)
    assert ('value="submit_for_review"' in page) is rules.can_submit_for_review(user, draft)
    approved = make_report(ReportStatus.APPROVED)
    page = _page(client, user, f"/compliance/reports/{approved.pk}/")
    assert ('value="withdraw"' in page) is rules.can_withdraw_approval(user, approved)
    assert rules.can_withdraw_approval(user, approved) is (person == "compliance_officer")


@pytest.mark.parametrize("person", ["compliance_officer", "auditor", "responder"])
def test_the_incident_panel_offers_the_assessment_exactly_to_those_who_may_save_it(
    request, breach, client, person
):
    user = request.getfixturevalue(person)
    page = _page(client, user, f"/incidents/{breach.pk}/")
    assert ("Assess this incident" in page) is rules.can_assess(user)
    assert rules.can_assess(user) is (person == "compliance_officer")
