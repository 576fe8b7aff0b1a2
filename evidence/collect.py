"""What goes into a pack, read through each app's selectors so that only what the user may see is there.

Each function turns records into JSON-ready dicts; ``pack.py`` decides file
names and order. People appear by id, username and display name, so that an
auditor can follow one person across incidents.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from compliance.applicability import applicability_for
from compliance.choices import ReportStatus
from compliance.facts import current_decisions
from compliance.models import Assessment, RegulatorReport
from compliance.selectors import assessments_visible_to, reports_visible_to
from incidents.models import Communication, Evidence, Exercise, Incident, RoleAssignment, TimelineEvent
from incidents.selectors import (
    communications_for,
    evidence_for,
    exercises_visible_to,
    incidents_visible_to,
    role_history_for,
    timeline_for,
)
from postmortems.choices import PostmortemStatus
from postmortems.models import ActionItem, Postmortem, PostmortemRevision
from postmortems.selectors import action_items_visible_to, postmortems_visible_to, revisions_for


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end+1 00:00)`` in the server's zone: the period includes its last day."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
    }


def incidents_of_period(
    user: Any, start: datetime, end: datetime, *, references: Iterable[str] = (), entity_id: int | None = None
) -> QuerySet[Incident]:
    """The user's visible incidents detected in the period (or exactly those named), exercises apart."""
    incidents = incidents_visible_to(user).filter(is_exercise=False)
    named = list(references)
    if named:
        incidents = incidents.filter(reference__in=named)
    else:
        incidents = incidents.filter(detected_at__gte=start, detected_at__lt=end)
    if entity_id is not None:
        incidents = incidents.filter(assessment__entity_id=entity_id)
    return (
        incidents.select_related("severity", "category", "team", "playbook", "created_by")
        .prefetch_related("services")
        .order_by("detected_at", "pk")
    )


def unknown_references(user: Any, references: Iterable[str]) -> list[str]:
    """References the user cannot see are as unknown as those that do not exist."""
    wanted = set(references)
    seen = set(incidents_visible_to(user).filter(reference__in=wanted).values_list("reference", flat=True))
    return sorted(wanted - seen)


def incident_record(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "summary": incident.summary,
        "impact": incident.impact,
        "status": incident.status,
        "severity": incident.severity.name,
        "category": incident.category.name,
        "services": sorted(service.name for service in incident.services.all()),
        "team": incident.team.name if incident.team else None,
        "playbook": incident.playbook.name if incident.playbook else None,
        "is_restricted": incident.is_restricted,
        "occurred_at": incident.occurred_at,
        "detected_at": incident.detected_at,
        "aware_at": incident.aware_at,
        "acknowledged_at": incident.acknowledged_at,
        "contained_at": incident.contained_at,
        "resolved_at": incident.resolved_at,
        "closed_at": incident.closed_at,
        "declined_at": incident.declined_at,
        "reopened_at": incident.reopened_at,
        "declared_by": person(incident.created_by),
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
    }


def timeline_rows(incident: Incident) -> list[dict[str, Any]]:
    events: Iterable[TimelineEvent] = timeline_for(incident).select_related("author")
    return [
        {
            "id": event.pk,
            "kind": event.kind,
            "occurred_at": event.occurred_at,
            "recorded_at": event.created_at,
            "author": person(event.author),
            "text": event.text,
            "data": event.data,
        }
        for event in events
    ]


def role_rows(incident: Incident) -> list[dict[str, Any]]:
    assignments: Iterable[RoleAssignment] = role_history_for(incident)
    return [
        {
            "role": assignment.role.name,
            "holder": person(assignment.user),
            "assigned_at": assignment.assigned_at,
            "assigned_by": person(assignment.assigned_by),
            "ended_at": assignment.ended_at,
            "ended_by": person(assignment.ended_by),
        }
        for assignment in assignments
    ]


def evidence_items(incident: Incident) -> list[Evidence]:
    return list(evidence_for(incident).select_related("uploaded_by"))


def evidence_row(item: Evidence, path: str) -> dict[str, Any]:
    return {
        "id": item.pk,
        "file": path,
        "original_name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "sha256_recorded": item.sha256,
        "description": item.description,
        "uploaded_by": person(item.uploaded_by),
        "uploaded_at": item.uploaded_at,
    }


def assessment_for(user: Any, incident: Incident) -> Assessment | None:
    return assessments_visible_to(user).filter(incident=incident).first()


def assessment_record(assessment: Assessment) -> dict[str, Any]:
    """The facts, every decision with its rationale, the obligations and why each regime applies or not."""
    applicability = applicability_for(assessment)
    current = {decision.pk for decision in current_decisions(assessment).values()}
    incident = assessment.incident
    return {
        "incident": incident.reference,
        "entity": {"id": assessment.entity_id, "name": assessment.entity.name},
        "personal_data_involved": assessment.personal_data_involved,
        "risk": assessment.risk,
        "risk_rationale": assessment.risk_rationale,
        "data_subjects": assessment.data_subjects,
        "records": assessment.records,
        "data_categories": assessment.data_categories,
        "subjects_by_jurisdiction": assessment.subjects_by_jurisdiction,
        "phi_involved": assessment.phi_involved,
        "phi_secured": assessment.phi_secured,
        "dora_criteria": assessment.dora_criteria,
        "updated_at": assessment.updated_at,
        "updated_by": person(assessment.updated_by),
        "decisions": [
            {
                "kind": decision.kind,
                "value": decision.value,
                "decided_at": decision.decided_at,
                "decided_by": person(decision.decided_by),
                "rationale": decision.rationale,
                "recorded_at": decision.recorded_at,
                "current": decision.pk in current,
            }
            for decision in assessment.decisions.all()
        ],
        "obligations": [
            {
                "code": obligation.code,
                "regime": obligation.regime,
                "recipient": obligation.recipient,
                "clock_start": obligation.clock_start,
                "due_at": obligation.due_at,
                "rule": obligation.rule,
                "basis": obligation.basis,
                "status": obligation.status,
                "status_reason": obligation.status_reason,
                "decided_by": person(obligation.decided_by),
                "decided_at": obligation.decided_at,
                "due_changes": [
                    {"old": c.old_due_at, "new": c.new_due_at, "reason": c.reason, "at": c.changed_at}
                    for c in obligation.due_changes.all()
                ],
            }
            for obligation in incident.obligations.select_related("decided_by").prefetch_related(
                "due_changes"
            )
        ],
        "applicability": applicability,
    }


def submitted_reports(user: Any, incident: Incident) -> list[RegulatorReport]:
    return list(
        reports_visible_to(user)
        .filter(incident=incident, status=ReportStatus.SUBMITTED)
        .order_by("submitted_at")
    )


def report_record(report: RegulatorReport, pdf_path: str | None) -> dict[str, Any]:
    obligation = report.obligation
    return {
        "id": report.pk,
        "incident": report.incident.reference,
        "obligation": obligation.code,
        "regime": obligation.regime,
        "recipient": obligation.recipient,
        "fields": report.fields,
        "author": person(report.author),
        "reviewer": person(report.reviewer),
        "reviewed_at": report.reviewed_at,
        "approver": person(report.approver),
        "approved_at": report.approved_at,
        "submitted_by": person(report.submitted_by),
        "submitted_at": report.submitted_at,
        "submission_reference": report.submission_reference,
        "pdf": pdf_path,
        "pdf_sha256": report.pdf_sha256,
        "pdf_size": report.pdf_size,
        "content_sha256": report.content_sha256,
        "supersedes": report.supersedes_id,
    }


def communication_rows(incident: Incident) -> list[dict[str, Any]]:
    items: Iterable[Communication] = communications_for(incident).select_related("sender")
    return [
        {
            "id": item.pk,
            "audience": item.audience,
            "channel": item.channel,
            "language": item.language,
            "recipients": item.recipients,
            "subject": item.subject,
            "body": item.body,
            "is_html": item.is_html,
            "template": item.template_id,
            "template_version": item.template_version,
            "sender": person(item.sender),
            "sent_at": item.sent_at,
            "delivery_status": item.delivery_status,
            "delivered_at": item.delivered_at,
            "delivery_error": item.delivery_error,
        }
        for item in items
    ]


def postmortems_for(user: Any, incident_ids: list[int]) -> list[Postmortem]:
    """Visible post-mortems with at least one published revision that cover an incident of the pack."""
    return list(
        postmortems_visible_to(user)
        .filter(incidents__in=incident_ids, revision__gt=0)
        .distinct()
        .prefetch_related("incidents")
        .order_by("pk")
    )


def published_revisions(postmortem: Postmortem) -> list[PostmortemRevision]:
    return list(revisions_for(postmortem).order_by("number"))


def postmortem_record(postmortem: Postmortem) -> dict[str, Any]:
    return {
        "id": postmortem.pk,
        "reference": getattr(postmortem, "reference", postmortem.pk),
        "title": postmortem.title,
        "status": postmortem.status,
        "is_published": postmortem.status == PostmortemStatus.PUBLISHED,
        "revision": postmortem.revision,
        "first_published_at": postmortem.first_published_at,
        "published_at": postmortem.published_at,
        "incidents": [incident.reference for incident in postmortem.incidents.all()],
    }


def action_item_rows(user: Any, postmortem: Postmortem) -> list[dict[str, Any]]:
    items: QuerySet[ActionItem] = (
        action_items_visible_to(user)
        .filter(postmortem=postmortem)
        .select_related("owner", "closed_by", "incident")
    )
    return [
        {
            "id": item.pk,
            "title": item.title,
            "description": item.description,
            "incident": item.incident.reference if item.incident else None,
            "owner": person(item.owner),
            "priority": item.priority,
            "kind": item.kind,
            "status": item.status,
            "due_date": item.due_date,
            "verification": item.verification,
            "wont_do_reason": item.wont_do_reason,
            "external_url": item.external_url,
            "closed_at": item.closed_at,
            "closed_by": person(item.closed_by),
        }
        for item in items.order_by("pk")
    ]


def exercises_of_period(user: Any, start: datetime, end: datetime) -> list[Exercise]:
    exercises = exercises_visible_to(user)
    conducted = exercises.filter(conducted_at__gte=start, conducted_at__lt=end)
    planned = exercises.filter(conducted_at__isnull=True, scheduled_for__gte=start, scheduled_for__lt=end)
    return list((conducted | planned).order_by("scheduled_for", "pk"))


def register_assessments(user: Any, incident_ids: list[int]) -> Iterable[Assessment]:
    return (
        assessments_visible_to(user)
        .filter(incident_id__in=incident_ids)
        .prefetch_related("incident__obligations")
    )
