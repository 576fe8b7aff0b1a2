"""What a first-time user meets on the incident pages: the declare form, Markdown, badges."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Category, Incident, IncidentRole, Service, Severity
from portal.templatetags.portal_ui import contrast_ratio, ink, relative_luminance


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_the_declare_form_preselects_no_severity_and_lists_services_as_checkboxes(client_for, responder):
    Service.objects.create(name="Payments API")
    body = client_for(responder).get("/incidents/new/").content.decode()
    assert re.search(r'<option value="" selected>Choose a severity</option>', body)
    assert 'type="checkbox" name="services"' in body
    assert "data-picker-filter" in body
    assert "recorded in the\n    <strong>compliance assessment</strong>" in body
    assert "Leave empty to use the awareness time below, or now if that is empty too." in body


def test_declaring_with_only_an_awareness_time_takes_it_as_detection(client_for, responder, outage):
    aware = (timezone.now() - timedelta(hours=5)).replace(second=0, microsecond=0)
    response = client_for(responder).post(
        "/incidents/new/",
        {
            "title": "Backups readable by everyone",
            "severity": Severity.objects.get(name="SEV2").pk,
            "category": outage.pk,
            "aware_at": _local(aware),
        },
    )
    incident = Incident.objects.get(title="Backups readable by everyone")
    assert response.status_code == 302
    assert incident.detected_at == aware
    assert incident.aware_at == aware


def test_declaring_without_a_severity_keeps_the_input_and_marks_the_field(client_for, responder, outage):
    service = Service.objects.create(name="Payments API")
    response = client_for(responder).post(
        "/incidents/new/",
        {"title": "Checkout slow", "category": outage.pk, "services": [service.pk], "summary": "p99 at 4 s"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert not Incident.objects.filter(title="Checkout slow").exists()
    assert 'id="id_severity_error"' in body
    assert 'aria-describedby="id_severity_error"' in body
    assert f'value="{service.pk}" id="id_services_0" checked' in body
    assert "p99 at 4 s" in body


def test_an_awareness_before_detection_is_refused_next_to_the_field(client_for, responder, outage):
    now = timezone.now()
    response = client_for(responder).post(
        "/incidents/new/",
        {
            "title": "Clock mix-up",
            "severity": Severity.objects.get(name="SEV3").pk,
            "category": outage.pk,
            "detected_at": _local(now - timedelta(hours=1)),
            "aware_at": _local(now - timedelta(hours=2)),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_aware_at_error"><li>Awareness cannot come before detection\.</li>', body)
    assert not Incident.objects.filter(title="Clock mix-up").exists()


def test_summaries_and_notes_render_markdown_without_scripts(client_for, responder):
    incident = incident_services.incident_create(
        actor=responder,
        title="Login failures",
        summary="**All** logins fail.\n\n- EU\n- US <script>alert(1)</script>",
        severity=Severity.objects.get(name="SEV2"),
        category=Category.objects.get(slug="system-outage"),
    )
    client = client_for(responder)
    client.post(
        f"/incidents/{incident.pk}/notes/", {"text": "See [runbook](javascript:alert(1)) and *this*."}
    )
    body = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "<strong>All</strong> logins fail." in body
    assert "<li>EU</li>" in body
    assert "<script>alert(1)</script>" not in body
    assert "<em>this</em>" in body
    assert 'href="javascript:' not in body


@pytest.mark.parametrize(
    "colour", ["#e8710a", "#f9a825", "#d32f2f", "#616161", "#ffffff", "#000000", "#1e88e5"]
)
def test_badge_ink_always_reaches_aa_contrast(colour):
    background = relative_luminance(colour)
    text = relative_luminance(ink(colour))
    assert background is not None
    assert text is not None
    assert contrast_ratio(background, text) >= 4.5


def test_white_on_orange_is_replaced_by_dark_ink():
    assert ink("#e8710a") == "#111111"
    assert ink("#b71c1c") == "#ffffff"


def test_timeline_and_messages_name_people_and_read_as_sentences(client_for, responder, teammate):
    incident = incident_services.incident_create(
        actor=responder,
        title="Queue backlog",
        severity=Severity.objects.get(name="SEV3"),
        category=Category.objects.get(slug="system-outage"),
    )
    client = client_for(responder)
    role = IncidentRole.objects.get(slug="incident-commander")
    client.post(f"/incidents/{incident.pk}/roles/", {"role": role.pk, "user": teammate.pk})
    client.post(f"/incidents/{incident.pk}/transition/acknowledge/")
    response = client.post(f"/incidents/{incident.pk}/transition/contain/", follow=True)
    body = response.content.decode()
    assert f"{incident.reference} contained." in body
    assert "containd" not in body
    texts = list(incident.timeline.values_list("text", flat=True))
    assert f"{teammate.get_full_name()} is now Incident Commander." in texts
    assert not any(teammate.username in text for text in texts)


def test_report_steps_read_as_sentences_and_name_the_people(client_for, compliance_officer, responder):
    from compliance import services as compliance_services
    from compliance.models import LegalEntity, Obligation
    from tests.compliance.conftest import assess, make_breach
    from tests.factories import UserFactory

    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    report = compliance_services.report_create(obligation=obligation, actor=compliance_officer)
    compliance_services.report_update(
        report=report,
        actor=compliance_officer,
        fields=dict.fromkeys(obligation.required_fields, "answer"),
        expected_version=1,
    )
    compliance_services.report_transition(report=report, action="submit_for_review", actor=compliance_officer)
    approver = UserFactory(
        username="second.pair", first_name="Greta", last_name="Berg", role="Compliance Officer"
    )
    page = client_for(approver).post(f"/compliance/reports/{report.pk}/", {"action": "approve"}, follow=True)
    body = page.content.decode()
    assert "Report approved." in body
    assert "Approve: done." not in body
    assert "Greta Berg" in body  # "Approved by" on the report page
    texts = list(breach.timeline.values_list("text", flat=True))
    assert "Report for GDPR/supervisory-authority approved by Greta Berg." in texts
    assert f"sent for review by {compliance_officer.get_full_name()}." in " ".join(texts)
    assert not any("second.pair" in text for text in texts)


def test_the_role_form_shows_its_error_next_to_the_field_and_names_people(client_for, responder, teammate):
    incident = incident_services.incident_create(
        actor=responder,
        title="Cache stampede",
        severity=Severity.objects.get(name="SEV3"),
        category=Category.objects.get(slug="system-outage"),
    )
    response = client_for(responder).post(f"/incidents/{incident.pk}/roles/", {"user": teammate.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_role_error"' in body
    assert (
        f'<option value="{teammate.pk}" selected>{teammate.get_full_name()} ({teammate.username})</option>'
        in body
    )
    assert not incident.role_assignments.exists()
