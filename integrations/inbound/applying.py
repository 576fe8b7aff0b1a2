"""Applying a parsed vendor event to its portal incident (the status rule is in the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from incidents import services as incident_services
from incidents.choices import IncidentAction, IncidentStatus, TimelineKind
from incidents.models import Incident, Service, Severity
from integrations.choices import STATUS_CHANGES, InboundOutcome, VendorChange
from integrations.models import ExternalIncident, Integration
from integrations.vendors import VendorEvent, VendorIncident, vendor_for
from portal.audit import audit_record
from portal.errors import DomainError

_STAMPS = ("acknowledged_at", "contained_at", "resolved_at", "closed_at", "declined_at", "reopened_at")
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass
class Applied:
    outcome: str = InboundOutcome.IGNORED
    messages: list[str] = field(default_factory=list)
    link: ExternalIncident | None = None

    def did(self, message: str) -> None:
        self.outcome = InboundOutcome.APPLIED
        self.messages.append(message)

    def skipped(self, message: str) -> None:
        self.messages.append(message)


def _when(event: VendorEvent) -> datetime:
    return event.occurred_at or timezone.now()


def severity_for(integration: Integration, keys: tuple[str, ...]) -> Severity | None:
    """The severity the mapping gives the first key it knows (case-insensitive)."""
    mapping = {str(key).lower(): name for key, name in (integration.severity_mapping or {}).items()}
    for key in keys:
        name = mapping.get(key.lower())
        if name:
            severity = Severity.objects.filter(name=name, is_active=True).first()
            if severity is not None:
                return severity
    return None


def _safe_url(url: str) -> str:
    try:
        _url_validator(url)
    except ValidationError:
        return ""
    return url


def _create(integration: Integration, event: VendorEvent, vendor_label: str) -> ExternalIncident:
    vendor_incident = event.incident
    assert vendor_incident is not None
    bot = integration.actor
    severity = severity_for(integration, vendor_incident.priority_keys) or integration.default_severity
    service = (
        Service.objects.filter(name__iexact=vendor_incident.service_name, is_active=True).first()
        if vendor_incident.service_name
        else None
    )
    created_at = vendor_incident.created_at or _when(event)
    incident = incident_services.incident_create(
        actor=bot,
        title=vendor_incident.title,
        summary=vendor_incident.summary,
        severity=severity,
        category=integration.default_category,
        services=[service] if service else [],
        detected_at=created_at,
        declared_at=created_at,
        is_restricted=integration.restrict_incidents,
    )
    link = ExternalIncident.objects.create(
        integration=integration,
        external_id=vendor_incident.external_id,
        incident=incident,
        number=vendor_incident.number,
        url=_safe_url(vendor_incident.url),
        vendor_priority="|".join(vendor_incident.priority_keys),
        priority_at=_when(event),
    )
    where = f"{vendor_label} incident {vendor_incident.number or vendor_incident.external_id}"
    text = f"Created from {where} by the integration {integration.name!r}."
    if link.url:
        text += f" {link.url}"
    if vendor_incident.service_name and service is None:
        text += f" The vendor's service {vendor_incident.service_name!r} is not a portal service."
    if integration.default_legal_entity is not None:
        text += (
            f" Legal entity suggested for the compliance assessment: {integration.default_legal_entity.name}."
        )
    incident_services.timeline_record(
        incident,
        kind=TimelineKind.INTEGRATION,
        text=text,
        actor=bot,
        data={
            "integration": integration.pk,
            "external_id": link.external_id,
            "url": link.url,
            "event_id": event.event_id,
            "legal_entity": integration.default_legal_entity_id,
        },
        occurred_at=created_at,
    )
    audit_record(
        action="integration.incident_linked",
        actor=bot,
        obj=link,
        changes={
            "integration": integration.pk,
            "external_id": link.external_id,
            "incident": incident.reference,
            "event_id": event.event_id,
        },
    )
    return link


def _plan(status: str, change: str) -> list[str]:
    """The transitions that take an incident in ``status`` to where ``change`` says it is."""
    if status == IncidentStatus.DECLINED:
        return []
    closed = status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
    if change in (VendorChange.TRIGGERED, VendorChange.REOPENED):
        return [IncidentAction.REOPEN] if closed else []
    if change == VendorChange.ACKNOWLEDGED:
        if closed:
            return [IncidentAction.REOPEN]
        return [IncidentAction.ACKNOWLEDGE] if status == IncidentStatus.REPORTED else []
    if change == VendorChange.RESOLVED:
        steps: dict[str, list[str]] = {
            IncidentStatus.REPORTED: [
                IncidentAction.ACKNOWLEDGE,
                IncidentAction.CONTAIN,
                IncidentAction.RESOLVE,
            ],
            IncidentStatus.ACKNOWLEDGED: [IncidentAction.CONTAIN, IncidentAction.RESOLVE],
            IncidentStatus.CONTAINED: [IncidentAction.RESOLVE],
        }
        return steps.get(status, [])
    if change == VendorChange.CANCELLED:
        return (
            [IncidentAction.DECLINE]
            if status in (IncidentStatus.REPORTED, IncidentStatus.ACKNOWLEDGED)
            else []
        )
    return []


def _latest_stamp(incident: Incident) -> datetime:
    stamps = [getattr(incident, name) for name in _STAMPS if getattr(incident, name) is not None]
    return max([incident.detected_at, *stamps])


def _correct_inferred(incident: Incident, stamp_field: str, at: datetime, *, actor: Any, label: str) -> bool:
    """Replace an inferred ``stamp_field`` by the vendor's late real time, if the incident's service
    allows it (only an inferred stamp, only within the lifecycle); False leaves everything as it was."""
    if stamp_field not in incident.inferred_stamps:
        return False
    try:
        with transaction.atomic():
            incident_services.incident_correct_inferred_stamp(
                incident=incident, stamp_field=stamp_field, at=at, actor=actor, source=label
            )
    except (ValidationError, DomainError):
        return False
    return True


def _apply_status(
    integration: Integration, link: ExternalIncident, event: VendorEvent, label: str, applied: Applied
) -> None:
    assert event.change is not None
    assert event.incident is not None
    bot = integration.actor
    at = _when(event)
    incident = Incident.objects.get(pk=link.incident_id)
    change_label = VendorChange(event.change).label.lower()
    if link.status_at is not None and at < link.status_at:
        applied.skipped(
            f"Stale: {label} reported {change_label} at {at.isoformat()}, older than the event applied "
            f"last ({link.status_at.isoformat()}); status unchanged."
        )
        if (
            event.change == VendorChange.ACKNOWLEDGED
            and incident.acknowledged_at is not None
            and at < incident.acknowledged_at
        ):
            # A resolve had to infer the acknowledgement: the vendor's real time wins (MTTA).
            if _correct_inferred(incident, "acknowledged_at", at, actor=bot, label=label):
                applied.did(f"{incident.reference}: acknowledged time corrected to {at.isoformat()}.")
                return
            incident_services.incident_add_note(
                incident=incident,
                actor=bot,
                text=f"[{label}] Acknowledged at {at.isoformat()} (the notice arrived after a later event; "
                f"the recorded acknowledgement time {incident.acknowledged_at.isoformat()} stays).",
                occurred_at=at,
            )
            applied.did("The real acknowledgement time was noted on the timeline.")
        return
    steps = _plan(incident.status, event.change)
    latest = _latest_stamp(incident)
    if IncidentAction.REOPEN in steps and at < latest:
        applied.skipped(
            f"Stale: {label} reported {change_label} at {at.isoformat()}, before the incident's latest "
            f"change ({latest.isoformat()}); not reopened."
        )
        steps = []
    finishing = event.change in (VendorChange.RESOLVED, VendorChange.CANCELLED)
    if not steps and finishing and incident.status not in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        applied.skipped(f"{incident.reference} is {incident.status}; {change_label} changes nothing.")
    step_at = max(at, latest)
    hint = event.incident.acknowledged_at
    for position, action in enumerate(steps, start=1):
        when = step_at
        # Steps before the last are the ones the vendor skipped: stamped with the event's time,
        # so inferred, unless the payload tells the real acknowledgement time.
        inferred = position < len(steps)
        if action == IncidentAction.ACKNOWLEDGE and hint is not None and latest <= hint <= at:
            when, inferred = hint, False
        note = f"From {label} ({event.event_type})."
        if action == IncidentAction.DECLINE:
            note = f"Cancelled in {label} ({event.event_type})."
        elif when != at:
            note += f" Reported at {at.isoformat()}."
        incident = incident_services.incident_transition(
            incident=incident, action=action, actor=bot, note=note, at=when, inferred=inferred
        )
        applied.did(f"{incident.reference}: {action} at {when.isoformat()}.")
    link.vendor_status = event.change
    link.status_at = at
    link.save(update_fields=["vendor_status", "status_at"])
    if not steps and not applied.messages:
        applied.skipped(f"{incident.reference} is already {incident.status}.")


def _apply_priority(
    integration: Integration, link: ExternalIncident, event: VendorEvent, label: str, applied: Applied
) -> None:
    assert event.incident is not None
    keys = event.incident.priority_keys
    signature = "|".join(keys)
    if not keys or signature.lower() == link.vendor_priority.lower():
        return
    at = _when(event)
    if link.priority_at is not None and at < link.priority_at:
        applied.skipped(f"Stale priority {signature!r} ({at.isoformat()}); severity unchanged.")
        return
    link.vendor_priority = signature
    link.priority_at = at
    link.save(update_fields=["vendor_priority", "priority_at"])
    severity = severity_for(integration, keys)
    incident = Incident.objects.select_related("severity").get(pk=link.incident_id)
    if severity is None:
        applied.did(f"{label} priority {signature!r} is not in the severity mapping; severity unchanged.")
    elif severity.pk != incident.severity_id:
        incident_services.incident_update(
            incident=incident, actor=integration.actor, data={"severity": severity}
        )
        applied.did(f"{incident.reference}: severity {incident.severity.name} -> {severity.name}.")


def _apply_note(
    integration: Integration, link: ExternalIncident, event: VendorEvent, label: str, applied: Applied
) -> None:
    author = f" {event.author}:" if event.author else ""
    incident = Incident.objects.get(pk=link.incident_id)
    incident_services.incident_add_note(
        incident=incident,
        actor=integration.actor,
        text=f"[{label}]{author} {event.note}",
        occurred_at=_when(event),
    )
    applied.did(f"{incident.reference}: note added.")


def _apply_details(
    integration: Integration, link: ExternalIncident, event: VendorEvent, label: str, applied: Applied
) -> None:
    """Fill what the incident was created without: the vendor's summary (never over one written
    in the portal) and the link to the vendor's page."""
    assert event.incident is not None
    url = _safe_url(event.incident.url)
    if url and not link.url:
        link.url = url
        link.save(update_fields=["url"])
        applied.did(f"{label} link recorded.")
    summary = event.incident.summary.strip()
    if not summary:
        return
    incident = Incident.objects.get(pk=link.incident_id)
    if not incident.summary.strip():
        incident_services.incident_update(
            incident=incident, actor=integration.actor, data={"summary": summary}
        )
        applied.did(f"{incident.reference}: summary filled from {label}.")


def apply_event(integration: Integration, event: VendorEvent) -> Applied:
    """Apply one parsed event inside the caller's transaction (see the module docstring)."""
    applied = Applied()
    label = vendor_for(integration.kind).LABEL
    if event.change is None or event.incident is None:
        applied.skipped(f"Event type {event.event_type!r} is stored and ignored.")
        return applied
    vendor_incident: VendorIncident = event.incident
    link = (
        ExternalIncident.objects.select_for_update()
        .filter(integration=integration, external_id=vendor_incident.external_id)
        .first()
    )
    created = False
    if link is None:
        if event.change in (VendorChange.NOTE, VendorChange.CANCELLED) or not vendor_incident.title:
            applied.skipped(
                f"{label} incident {vendor_incident.external_id!r} is not known here and this event "
                "cannot create it; ignored."
            )
            return applied
        link = _create(integration, event, label)
        created = True
        applied.did(f"Created {link.incident.reference} from {label} {vendor_incident.external_id}.")
    applied.link = link
    if event.change in STATUS_CHANGES:
        _apply_status(integration, link, event, label, applied)
    if not created:
        _apply_details(integration, link, event, label, applied)
        _apply_priority(integration, link, event, label, applied)
    if event.note:
        _apply_note(integration, link, event, label, applied)
    return applied
