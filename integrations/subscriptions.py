"""What the other apps' domain events become: outbound webhook events.

Each receiver runs inside the transaction of the change it hears about and
only writes the outbox (``outbound.emit``); delivery happens after commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance import events as compliance_events
from compliance.models import RegulatorReport
from incidents import events as incident_events
from incidents.models import Incident
from integrations.choices import WebhookEvent
from integrations.outbound import emit, site_url
from portal import events as portal_events
from portal.checkpoints import checkpoint_record
from portal.models import AuditCheckpoint
from postmortems import events as postmortem_events
from postmortems.models import Postmortem


def incident_data(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity.name,
        "category": incident.category.slug,
        "is_restricted": incident.is_restricted,
        "is_exercise": incident.is_exercise,
        "detected_at": incident.detected_at,
        "url": site_url(f"/api/v1/incidents/{incident.pk}/"),
    }


def on_incident_created(*, incident: Incident, actor: Any) -> None:
    emit(
        WebhookEvent.INCIDENT_CREATED,
        incident_data(incident),
        restricted=incident.is_restricted,
        at=incident.created_at,
    )


def on_incident_status_changed(
    *, incident: Incident, actor: Any, action: str, previous_status: str, changed_at: datetime
) -> None:
    emit(
        WebhookEvent.INCIDENT_STATUS_CHANGED,
        {**incident_data(incident), "previous_status": previous_status, "changed_at": changed_at},
        restricted=incident.is_restricted,
        at=changed_at,
    )


def on_report_submitted(*, report: RegulatorReport, actor: Any) -> None:
    incident = report.incident
    emit(
        WebhookEvent.REPORT_SUBMITTED,
        {
            "id": report.pk,
            "obligation": report.obligation.code,
            "regime": report.obligation.regime,
            "recipient": report.obligation.recipient,
            "submitted_at": report.submitted_at,
            "submission_reference": report.submission_reference,
            "pdf_sha256": report.pdf_sha256,
            "incident": {"id": incident.pk, "reference": incident.reference},
            "url": site_url(f"/api/v1/compliance/reports/{report.pk}/"),
        },
        restricted=incident.is_restricted,
        at=report.submitted_at,
    )


def on_postmortem_published(*, postmortem: Postmortem, actor: Any) -> None:
    incidents = list(postmortem.incidents.all())
    emit(
        WebhookEvent.POSTMORTEM_PUBLISHED,
        {
            "id": postmortem.pk,
            "reference": postmortem.reference,
            "title": postmortem.title,
            "revision": postmortem.revision,
            "published_at": postmortem.published_at,
            "incidents": [{"id": i.pk, "reference": i.reference} for i in incidents],
            "url": site_url(f"/api/v1/postmortems/{postmortem.pk}/"),
        },
        restricted=any(i.is_restricted for i in incidents),
        at=postmortem.published_at,
    )


def on_audit_checkpoint(*, checkpoint: AuditCheckpoint) -> None:
    """Subscribers get every signed head, so that a copy of the anchors lives outside the portal."""
    emit(WebhookEvent.AUDIT_CHECKPOINT, checkpoint_record(checkpoint), at=checkpoint.created_at)


def subscribe() -> None:
    incident_events.incident_created.subscribe(
        on_incident_created, uid="integrations.webhook_incident_created"
    )
    incident_events.incident_status_changed.subscribe(
        on_incident_status_changed, uid="integrations.webhook_incident_status_changed"
    )
    compliance_events.report_submitted.subscribe(
        on_report_submitted, uid="integrations.webhook_report_submitted"
    )
    postmortem_events.postmortem_published.subscribe(
        on_postmortem_published, uid="integrations.webhook_postmortem_published"
    )
    portal_events.audit_checkpoint.subscribe(on_audit_checkpoint, uid="integrations.webhook_audit_checkpoint")
