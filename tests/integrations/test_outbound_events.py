"""Outbound webhooks: the events the portal emits (status changes, reports, post-mortems, due dates)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from integrations.due import emit_due_events
from integrations.models import EmittedDueEvent, OutboundEvent, WebhookDelivery
from tests.integrations.conftest import load
from tests.integrations.outbound_helpers import (
    declare,
    receiver,
    subscribe,
)

# --- what is emitted -----------------------------------------------------------------------------------


def test_status_changes_are_emitted_with_the_vendor_time(
    immediate_tasks, loopback_allowed, admin_user, send, pagerduty, django_capture_on_commit_callbacks
):
    with receiver() as target:
        subscribe(admin_user, target.url, ["incident.status_changed"])
        with django_capture_on_commit_callbacks(execute=True):
            send(pagerduty, load("pagerduty_incident_triggered"))
        with django_capture_on_commit_callbacks(execute=True):
            send(pagerduty, load("pagerduty_incident_acknowledged"))
    assert len(target.requests) == 1
    payload = json.loads(target.requests[0][1])
    assert payload["type"] == "incident.status_changed"
    assert payload["data"]["previous_status"] == "reported"
    assert payload["data"]["status"] == "acknowledged"
    assert payload["data"]["changed_at"] == "2020-04-09T15:21:03.421Z"
    assert payload["timestamp"].startswith("2020-04-09T15:21:03.421")


def test_restricted_incidents_only_go_to_subscriptions_that_opted_in(admin_user, responder):
    plain, _ = subscribe(admin_user, "http://93.184.216.34/a", ["incident.created"], name="Plain")
    opted, _ = subscribe(
        admin_user, "http://93.184.216.34/b", ["incident.created"], name="Opted in", include_restricted=True
    )
    declare(responder, is_restricted=True)
    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [opted.pk]
    declare(responder)
    assert WebhookDelivery.objects.filter(subscription=plain).count() == 1


def test_only_subscribed_active_events_are_queued(admin_user, responder):
    subscribe(admin_user, "http://93.184.216.34/a", ["incident.status_changed"], name="Status")
    subscribe(admin_user, "http://93.184.216.34/b", ["incident.created"], name="Off", is_active=False)
    declare(responder)
    assert not OutboundEvent.objects.exists()


def test_a_submitted_regulator_report_is_emitted(admin_user, responder, compliance_officer):
    from compliance import services as compliance_services
    from compliance.models import LegalEntity, Obligation
    from tests.compliance.conftest import assess, make_breach
    from tests.factories import UserFactory

    subscribe(admin_user, "http://93.184.216.34/a", ["report.submitted"])
    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    report = compliance_services.report_create(obligation=obligation, actor=compliance_officer)
    fields = {key: report.fields.get(key) or f"Answer for {key}" for key in obligation.required_fields}
    compliance_services.report_update(
        report=report, actor=compliance_officer, fields=fields, expected_version=1
    )
    compliance_services.report_transition(report=report, action="submit_for_review", actor=compliance_officer)
    approver = UserFactory(username="compliance2", role="Compliance Officer")
    compliance_services.report_transition(report=report, action="approve", actor=approver)
    assert not OutboundEvent.objects.exists()
    compliance_services.report_transition(
        report=report,
        action="submit",
        actor=approver,
        submission=compliance_services.SubmissionInput(reference="DPA-1"),
    )
    event = OutboundEvent.objects.get()
    assert event.event_type == "report.submitted"
    assert event.payload["data"]["obligation"] == "GDPR/supervisory-authority"
    assert event.payload["data"]["incident"]["reference"] == breach.reference
    assert event.payload["data"]["submission_reference"] == "DPA-1"


def test_a_published_postmortem_is_emitted(admin_user, author, responder, incident):
    from postmortems import services as postmortem_services
    from tests.factories import UserFactory
    from tests.postmortems.factories import make_publishable, resolve, start_postmortem

    subscribe(admin_user, "http://93.184.216.34/a", ["postmortem.published"])
    reviewer = UserFactory(username="reviewer", role="Post-mortem Author")
    postmortem = start_postmortem(author, [resolve(incident, responder)], reviewers=[reviewer])
    make_publishable(postmortem, author)
    postmortem_services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    assert not OutboundEvent.objects.exists()
    postmortem_services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    event = OutboundEvent.objects.get()
    assert event.payload["type"] == "postmortem.published"
    assert event.payload["data"]["incidents"] == [{"id": incident.pk, "reference": incident.reference}]


def test_due_events_are_emitted_once_each(admin_user, responder, compliance_officer, author, incident):
    from compliance.models import LegalEntity, Obligation
    from postmortems.models import ActionItem
    from tests.compliance.conftest import assess, make_breach
    from tests.postmortems.factories import resolve, start_postmortem

    subscribe(
        admin_user,
        "http://93.184.216.34/a",
        ["obligation.due_soon", "obligation.overdue", "action_item.overdue"],
    )
    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    Obligation.objects.filter(pk=obligation.pk).update(due_at=timezone.now() + timedelta(hours=3))
    postmortem = start_postmortem(author, [resolve(incident, responder)])
    ActionItem.objects.create(
        postmortem=postmortem,
        title="Add a statement timeout",
        due_date=timezone.localdate() - timedelta(days=2),
        created_by=author,
    )
    first = emit_due_events()
    assert first.emitted >= 2
    types = sorted(OutboundEvent.objects.values_list("event_type", flat=True))
    assert "obligation.due_soon" in types
    assert "action_item.overdue" in types
    assert emit_due_events().emitted == 0
    later = emit_due_events(now=timezone.now() + timedelta(hours=4))
    assert later.emitted >= 1
    assert (
        OutboundEvent.objects.filter(event_type="obligation.overdue", payload__data__id=obligation.pk).count()
        == 1
    )
    assert (
        EmittedDueEvent.objects.filter(event_type="obligation.overdue", object_id=str(obligation.pk)).count()
        == 1
    )
    out = io.StringIO()
    call_command("emit_due_events", stdout=out)
    assert "0 due event(s) emitted" in out.getvalue()
