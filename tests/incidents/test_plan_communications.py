"""Stakeholder templates (sandboxed, validated, versioned) and the communications sent from them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from incidents import services
from incidents.choices import DeliveryStatus, TimelineKind
from incidents.models import (
    Category,
    Communication,
    IncidentRole,
    StakeholderTemplate,
    StakeholderTemplateVersion,
)
from portal.models import AuditEvent
from tests.incidents.factories_plan import StakeholderTemplateFactory

TEMPLATES = "/api/v1/stakeholder-templates/"


class RefusingMailServer(BaseEmailBackend):
    """Stands in for an SMTP server that is down (the only thing mocked: it leaves the process)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def _template_body(**overrides):
    return {
        "name": "Customer notice",
        "audience": "customers",
        "channel": "email",
        "language": "en",
        "subject_template": "{{ reference }}: {{ title }}",
        "body_template": "<p>Dear customer, {{ summary }}</p><p>Questions: {{ contact_email }}</p>",
        **overrides,
    }


@pytest.fixture
def notice(db):
    return StakeholderTemplateFactory(name="Customer notice")


@pytest.mark.parametrize(
    ("field", "source", "reason"),
    [
        ("body_template", "{{ title.__class__ }}", "_"),
        ("body_template", "{{ title.__class__.__mro__[1].__subclasses__() }}", "_"),
        ("body_template", "{{ title['__class__'] }}", "_"),
        ("body_template", "{% for i in range(10**9) %}x{% endfor %}", "range"),
        ("body_template", "{% include 'pdf/base.html' %}", "include"),
        ("body_template", "{% extends 'pdf/base.html' %}", "extends"),
        ("body_template", "{{ settings.SECRET_KEY }}", "Unknown variable"),
        ("body_template", "{{ password }}", "Unknown variable"),
        ("body_template", "{% if title %}unterminated", "Line"),
        ("subject_template", "{{ title", "Line"),
        ("subject_template", "{{ request.user }}", "Unknown variable"),
        ("body_template", "x" * 20_001, "20000"),
        ("body_template", "   ", "body"),
    ],
)
def test_unsafe_or_broken_templates_are_refused_with_the_reason(api_as, admin_user, field, source, reason):
    response = api_as(admin_user).post(TEMPLATES, _template_body(**{field: source}), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert reason in str(response.json()[field])
    assert not StakeholderTemplate.objects.exists()


def test_only_administrators_write_templates_and_readers_list_them(
    api_as, admin_user, responder, auditor, notice
):
    assert api_as(responder).post(TEMPLATES, _template_body(name="Mine"), format="json").status_code == 403
    assert (
        api_as(responder).patch(f"{TEMPLATES}{notice.pk}/", {"name": "x"}, format="json").status_code == 403
    )
    assert api_as(auditor).get(TEMPLATES).json()["count"] == 1
    created = api_as(admin_user).post(
        TEMPLATES, _template_body(name="Regulator notice", audience="regulators"), format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 1


def test_each_edit_keeps_the_previous_version(api_as, admin_user, auditor):
    client = api_as(admin_user)
    template = client.post(TEMPLATES, _template_body(), format="json").json()
    url = f"{TEMPLATES}{template['id']}/"
    first = client.patch(url, {"subject_template": "Update on {{ reference }}"}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2
    assert first["ETag"] == '"2"'
    second = client.patch(url, {"is_active": False}, format="json", HTTP_IF_MATCH='"2"')
    assert second.json()["version"] == 3
    assert client.patch(url, {"name": "Stale"}, format="json", HTTP_IF_MATCH='"2"').status_code == 412
    versions = api_as(auditor).get(f"{url}versions/").json()["results"]
    assert [(v["version"], v["subject_template"], v["is_active"]) for v in versions] == [
        (2, "Update on {{ reference }}", True),
        (1, "{{ reference }}: {{ title }}", True),
    ]
    unchanged = api_as(admin_user).patch(url, {"name": "Customer notice"}, format="json")
    assert unchanged.json()["version"] == 3
    assert StakeholderTemplateVersion.objects.count() == 2
    assert AuditEvent.objects.filter(action="stakeholder_template.updated").count() == 2


def test_preview_renders_subject_and_body_with_html_escaped(api_as, auditor, responder, incident, notice):
    services.incident_update(
        incident=incident,
        actor=responder,
        data={"summary": "<script>alert(1)</script> & more", "title": "A<b>"},
    )
    response = api_as(auditor).post(
        f"{TEMPLATES}{notice.pk}/preview/", {"incident": incident.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"] == f"[SEV2] {incident.reference}: A<b>"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in body["body"]
    assert "<script>" not in body["body"]
    assert body["is_html"] is True


def test_plain_text_channels_are_not_escaped(api_as, responder, incident):
    sms = StakeholderTemplateFactory(channel="sms", subject_template="", body_template="{{ title }} & co")
    services.incident_update(incident=incident, actor=responder, data={"title": "A & B"})
    body = (
        api_as(responder)
        .post(f"{TEMPLATES}{sms.pk}/preview/", {"incident": incident.pk}, format="json")
        .json()
    )
    assert body == {"subject": "", "body": "A & B & co", "is_html": False}


def test_preview_of_an_incident_the_reader_cannot_see_is_404(api_as, outsider, restricted_incident, notice):
    client = api_as(outsider)
    assert (
        client.post(
            f"{TEMPLATES}{notice.pk}/preview/", {"incident": restricted_incident.pk}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(f"{TEMPLATES}{notice.pk}/preview/", {"incident": 10**17}, format="json").status_code
        == 404
    )
    refused = client.post(f"{TEMPLATES}{notice.pk}/preview/", {"incident": 10**30}, format="json")
    assert refused.status_code == 400
    assert "incident" in refused.json()


def test_the_context_holds_the_incident_people_and_organisation(settings, responder, teammate, incident):
    settings.PORTAL_ORGANISATION_NAME = "Example Bank AG"
    services.incident_assign_role(
        incident=incident,
        role=IncidentRole.objects.get(slug="communications-lead"),
        user=teammate,
        actor=responder,
    )
    context = services.template_context(incident)
    assert set(context) == set(services.TEMPLATE_VARIABLES)
    assert context["entity_name"] == "Example Bank AG"
    assert context["communications_lead"] == teammate.get_full_name()
    assert context["contact_email"] == teammate.email
    assert context["status"] == "Reported"
    assert context["resolved_at"] == ""


def test_sending_records_a_snapshot_and_mails_only_after_commit(
    api_as, responder, incident, notice, django_capture_on_commit_callbacks
):
    client = api_as(responder)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            f"/api/v1/incidents/{incident.pk}/communications/",
            {"template": notice.pk, "recipients": ["a@example.com", "b@example.com", "A@example.com"]},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert mail.outbox == []
    assert len(callbacks) == 1
    sent = response.json()
    assert sent["audience"] == "customers"
    assert sent["channel"] == "email"
    assert sent["recipients"] == ["a@example.com", "b@example.com"]
    assert sent["subject"].startswith(f"[SEV2] {incident.reference}")
    assert sent["sender"]["username"] == "responder"
    assert sent["delivery_status"] == DeliveryStatus.QUEUED
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["a@example.com"], ["b@example.com"]]
    assert mail.outbox[0].subject == sent["subject"]
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert Communication.objects.get().delivery_status == DeliveryStatus.SENT
    event = incident.timeline.get(kind=TimelineKind.COMMUNICATION)
    assert event.text.startswith("Customers sent by Email:")
    assert event.data["recipients"] == 2
    listed = client.get(f"/api/v1/incidents/{incident.pk}/communications/").json()["results"]
    assert [c["id"] for c in listed] == [sent["id"]]


def test_a_rolled_back_transaction_sends_nothing(
    responder, incident, notice, django_capture_on_commit_callbacks
):
    class Abort(Exception):
        pass

    def send_then_fail() -> None:
        with transaction.atomic():
            services.communication_send(
                incident=incident, actor=responder, template=notice, recipients=["a@example.com"]
            )
            raise Abort

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort):
        send_then_fail()
    assert callbacks == []
    assert mail.outbox == []
    assert not Communication.objects.exists()


def test_a_failing_mail_server_is_recorded_not_raised(
    settings, responder, incident, notice, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.incidents.test_plan_communications.RefusingMailServer"
    with django_capture_on_commit_callbacks(execute=True):
        communication = services.communication_send(
            incident=incident, actor=responder, template=notice, recipients=["a@example.com"]
        )
    communication.refresh_from_db()
    assert communication.delivery_status == DeliveryStatus.FAILED
    assert communication.delivery_error
    assert incident.timeline.filter(kind=TimelineKind.COMMUNICATION, text__contains="failed").exists()


def test_other_channels_are_recorded_for_the_operator(
    api_as, responder, incident, django_capture_on_commit_callbacks
):
    status_page = StakeholderTemplateFactory(
        channel="status_page", body_template="We are investigating {{ title }}."
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(responder).post(
            f"/api/v1/incidents/{incident.pk}/communications/", {"template": status_page.pk}, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["delivery_status"] == DeliveryStatus.TO_POST
    assert mail.outbox == []


def test_exercise_messages_are_marked(responder, sev2, outage, notice, django_capture_on_commit_callbacks):
    drill = services.incident_create(
        actor=responder, title="Drill", severity=sev2, category=outage, is_exercise=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        communication = services.communication_send(
            incident=drill, actor=responder, template=notice, recipients=["a@example.com"]
        )
    assert communication.subject.startswith("[EXERCISE] ")
    assert mail.outbox[0].subject.startswith("[EXERCISE] ")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipients": ["not-an-address"]}, "recipients"),
        ({"recipients": []}, "recipients"),
        ({"recipients": ["a@example.com"] * 201}, "recipients"),
        ({"recipients": ["a\x00@example.com"]}, "recipients"),
        ({"recipients": "a@example.com"}, "recipients"),
        ({"audience": "regulators", "recipients": ["a@example.com"]}, "audience"),
        ({"audience": "martians", "recipients": ["a@example.com"]}, "audience"),
        ({"channel": "sms", "recipients": ["a@example.com"]}, "channel"),
        ({"template": 10**30, "recipients": ["a@example.com"]}, "template"),
        ({"next_update_at": "2026-01-01T10:00:00", "recipients": ["a@example.com"]}, "next_update_at"),
    ],
)
def test_bad_communications_get_400_naming_the_field(api_as, responder, incident, notice, body, field):
    response = api_as(responder).post(
        f"/api/v1/incidents/{incident.pk}/communications/", {"template": notice.pk, **body}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Communication.objects.exists()


def test_a_template_meant_for_other_incidents_is_refused(api_as, responder, incident):
    breach_only = StakeholderTemplateFactory()
    breach_only.categories.set([Category.objects.get(slug="data-breach")])
    response = api_as(responder).post(
        f"/api/v1/incidents/{incident.pk}/communications/",
        {"template": breach_only.pk, "recipients": ["a@example.com"]},
        format="json",
    )
    assert response.status_code == 400
    assert "template" in response.json()


def test_responders_and_compliance_send_auditors_only_read(
    api_as, responder, compliance_officer, auditor, author, incident, notice
):
    url = f"/api/v1/incidents/{incident.pk}/communications/"
    body = {"template": notice.pk, "recipients": ["a@example.com"]}
    assert api_as(compliance_officer).post(url, body, format="json").status_code == 201
    assert api_as(responder).post(url, body, format="json").status_code == 201
    for reader in (auditor, author):
        assert api_as(reader).post(url, body, format="json").status_code == 403
        assert api_as(reader).get(url).json()["count"] == 2


def test_a_used_template_cannot_be_deleted_but_can_be_deactivated(
    api_as, admin_user, responder, incident, notice
):
    services.communication_send(
        incident=incident, actor=responder, template=notice, recipients=["a@example.com"]
    )
    client = api_as(admin_user)
    assert client.delete(f"{TEMPLATES}{notice.pk}/").status_code == 409
    assert client.patch(f"{TEMPLATES}{notice.pk}/", {"is_active": False}, format="json").status_code == 200
    response = api_as(responder).post(
        f"/api/v1/incidents/{incident.pk}/communications/",
        {"template": notice.pk, "recipients": ["a@example.com"]},
        format="json",
    )
    assert response.status_code == 400
