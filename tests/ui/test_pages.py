"""The web UI enforces the same rules as the API and renders in bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import services as compliance_services
from compliance.models import LegalEntity, Obligation, RegulatorReport
from incidents.models import Incident, Severity
from tests.factories import IncidentFactory, RoleAssignmentFactory


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_anonymous_visitors_are_sent_to_login(client, db):
    for url in ["/", "/incidents/", "/compliance/", "/audit/", "/profile/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_login_page_signs_in(client, responder):
    page = client.get("/login/")
    assert page.status_code == 200
    response = client.post("/login/", {"username": "responder", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("fixture", "allowed", "forbidden"),
    [
        ("responder", ["/", "/incidents/", "/incidents/new/", "/compliance/"], ["/audit/"]),
        ("compliance_officer", ["/", "/incidents/", "/compliance/", "/audit/"], ["/incidents/new/"]),
        ("author", ["/", "/incidents/"], ["/compliance/", "/audit/", "/incidents/new/"]),
        ("auditor", ["/", "/incidents/", "/compliance/", "/audit/"], ["/incidents/new/"]),
    ],
)
def test_each_role_reaches_its_pages(db, request, logged_in, fixture, allowed, forbidden):
    client = logged_in(request.getfixturevalue(fixture))
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in forbidden:
        assert client.get(url).status_code == 403, url


def test_restricted_incidents_are_404_for_outsiders_in_the_ui(
    logged_in, outsider, restricted_incident, teammate
):
    client = logged_in(outsider)
    assert client.get(f"/incidents/{restricted_incident.pk}/").status_code == 404
    assert client.get(f"/incidents/{restricted_incident.pk}/edit/").status_code == 404
    assert restricted_incident.reference not in client.get("/incidents/").content.decode()
    assert client.post(f"/incidents/{restricted_incident.pk}/transition/acknowledge/").status_code == 404
    assert logged_in(teammate).get(f"/incidents/{restricted_incident.pk}/").status_code == 200


def test_declaring_keeps_what_was_typed_and_shows_field_errors(logged_in, responder):
    client = logged_in(responder)
    response = client.post(
        "/incidents/new/", {"title": "Partial outage", "severity": "", "summary": "Kept text"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kept text" in body
    assert "Partial outage" in body
    assert "errorlist" in body
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/incidents/new/",
        {
            "title": "x",
            "severity": Severity.objects.get(name="SEV2").pk,
            "category": 1,
            "detected_at": future,
        },
    )
    assert "This time is in the future." in response.content.decode()


def test_declare_transition_and_note_through_the_ui(logged_in, responder, outage):
    client = logged_in(responder)
    response = client.post(
        "/incidents/new/",
        {
            "title": "Checkout down",
            "severity": Severity.objects.get(name="SEV1").pk,
            "category": outage.pk,
            "summary": "All card payments fail.",
        },
    )
    incident = Incident.objects.get(title="Checkout down")
    assert response["Location"] == f"/incidents/{incident.pk}/"
    client.post(f"/incidents/{incident.pk}/transition/acknowledge/")
    client.post(f"/incidents/{incident.pk}/transition/resolve/")  # refused: not contained
    incident.refresh_from_db()
    assert incident.status == "acknowledged"
    note = client.post(f"/incidents/{incident.pk}/notes/", {"text": "Rolled back."}, HTTP_HX_REQUEST="true")
    assert note.status_code == 200
    assert "Rolled back." in note.content.decode()
    assert incident.timeline.filter(kind="note", text="Rolled back.").exists()


def test_the_report_editor_shows_a_conflict_instead_of_overwriting(logged_in, compliance_officer, responder):
    from tests.compliance.conftest import assess, make_breach

    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    report = compliance_services.report_create(obligation=obligation, actor=compliance_officer)
    compliance_services.report_update(
        report=report, actor=compliance_officer, fields={"measures_taken": "Theirs"}, expected_version=1
    )
    client = logged_in(compliance_officer)
    response = client.post(
        f"/compliance/reports/{report.pk}/",
        {
            "action": "save",
            "version": "1",
            "measures_taken": "Mine",
            "nature_of_breach": "x",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone saved this report while you were editing" in body
    assert "Theirs" in body
    assert "Mine" in body
    assert RegulatorReport.objects.get(pk=report.pk).fields["measures_taken"] == "Theirs"


def test_the_author_sees_no_approve_button(logged_in, compliance_officer, responder):
    from tests.compliance.conftest import assess, make_breach

    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    report = compliance_services.report_create(obligation=obligation, actor=compliance_officer)
    fields = dict.fromkeys(obligation.required_fields, "answer")
    compliance_services.report_update(
        report=report, actor=compliance_officer, fields=fields, expected_version=1
    )
    compliance_services.report_transition(report=report, action="submit_for_review", actor=compliance_officer)
    body = logged_in(compliance_officer).get(f"/compliance/reports/{report.pk}/").content.decode()
    assert 'value="approve"' not in body
    assert "authors cannot approve their own reports" in body
    refused = logged_in(compliance_officer).post(f"/compliance/reports/{report.pk}/", {"action": "approve"})
    assert refused.status_code == 302
    assert RegulatorReport.objects.get(pk=report.pk).status == "in_review"


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_pages_render_in_a_bounded_number_of_queries(logged_in, compliance_officer, responder):
    client = logged_in(compliance_officer)
    base = {url: _queries(client, url) for url in ["/", "/incidents/", "/compliance/"]}
    incidents = IncidentFactory.create_batch(30, detected_at=timezone.now() - timedelta(days=3))
    for incident in incidents:
        RoleAssignmentFactory(incident=incident, user=responder)
    grown = {url: _queries(client, url) for url in base}
    for url, count in base.items():
        assert grown[url] <= count + 3, (url, count, grown[url])
    detail = _queries(client, f"/incidents/{incidents[0].pk}/")
    assert detail < 40


def test_a_responder_previews_and_sends_a_stakeholder_message(
    logged_in, responder, incident, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.incidents.factories_plan import StakeholderTemplateFactory

    template = StakeholderTemplateFactory(
        channel="email",
        subject_template="[{{ severity }}] {{ reference }}: {{ title }}",
        body_template="<p>We are investigating {{ title }}.</p>",
    )
    client = logged_in(responder)
    url = f"/incidents/{incident.pk}/communications/"
    preview = client.post(url, {"template": template.pk, "preview": "1"}, HTTP_HX_REQUEST="true")
    assert f"[SEV2] {incident.reference}: Payments API returning 502" in preview.content.decode()
    assert incident.communications.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"template": template.pk, "recipients": "cto@example.com, ops@example.com"})
    assert sent.status_code == 302
    message = incident.communications.get()
    assert sorted(message.recipients) == ["cto@example.com", "ops@example.com"]
    assert len(mail.outbox) == 2
    refused = client.post(url, {"template": template.pk, "recipients": "not-an-address"})
    assert refused.status_code == 200
    assert incident.communications.count() == 1
