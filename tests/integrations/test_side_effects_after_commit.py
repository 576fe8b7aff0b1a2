"""A queue that fails after commit never turns a committed submission into an error, and loses nothing."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from compliance import services as compliance_services
from compliance.choices import ObligationStatus, ReportStatus
from compliance.models import LegalEntity, Obligation
from integrations.models import WebhookDelivery
from portal.choices import OutboxState
from portal.models import OutboxMessage
from portal.outbox import outbox_process_due
from tests.compliance.conftest import assess, make_breach
from tests.factories import UserFactory
from tests.integrations.outbound_helpers import receiver, subscribe


@pytest.fixture
def approved_report(admin_user, responder, compliance_officer):
    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    report = compliance_services.report_create(obligation=obligation, actor=compliance_officer)
    fields = {key: report.fields.get(key) or f"Answer for {key}" for key in obligation.required_fields}
    compliance_services.report_update(report=report, actor=compliance_officer, fields=fields, expected_version=1)
    compliance_services.report_transition(report=report, action="submit_for_review", actor=compliance_officer)
    approver = UserFactory(username="compliance2", role="Compliance Officer")
    compliance_services.report_transition(report=report, action="approve", actor=approver)
    report.approver_user = approver
    return report


def test_an_enqueue_that_raises_after_commit_still_answers_200_and_the_outbox_sends_it_later(
    immediate_tasks,
    settings,
    admin_user,
    approved_report,
    api_as,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True

    def queue_down(*args, **kwargs):
        raise OSError("database is locked")

    with receiver() as target:
        subscribe(admin_user, target.url, ["report.submitted"])
        client = api_as(approved_report.approver_user)
        with monkeypatch.context() as patched, caplog.at_level(logging.ERROR):
            patched.setattr(ImmediateBackend, "enqueue", queue_down)
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    f"/api/v1/compliance/reports/{approved_report.pk}/submit/",
                    {"submission_reference": "DPA-7"},
                    format="json",
                )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == ReportStatus.SUBMITTED
        approved_report.refresh_from_db()
        assert approved_report.status == ReportStatus.SUBMITTED
        assert approved_report.obligation.status == ObligationStatus.FULFILLED
        assert "database is locked" in caplog.text
        assert target.requests == []
        message = OutboxMessage.objects.get(kind="integrations.webhook_delivery")
        assert message.state == OutboxState.PENDING
        assert WebhookDelivery.objects.get().state == "pending"

        # The worker picks it up later, once; a second pass does nothing.
        outbox_process_due(now=timezone.now() + timedelta(minutes=5))
        outbox_process_due(now=timezone.now() + timedelta(hours=5))
        assert len(target.requests) == 1
    assert json.loads(target.requests[0][1])["data"]["submission_reference"] == "DPA-7"
    message.refresh_from_db()
    assert message.state == OutboxState.DONE
    assert WebhookDelivery.objects.get().state == "succeeded"
