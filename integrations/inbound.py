"""Receiving a vendor webhook: verify, store, apply once, keep the vendor's times.

Every request is stored as an ``InboundDelivery`` whatever becomes of it.
A verified, well-formed event is applied in one transaction together with its
delivery record (which claims the event id); if applying fails, everything
rolls back and the failure is recorded in a transaction of its own, so there
is never a half-created incident and never a lost record.

Status rule (out-of-order events). Each vendor event says where the vendor's
incident stood at the event's time ``T``. The link remembers the time of the
newest status event applied (``ExternalIncident.status_at``):

* an event older than that is stale and changes nothing (a late
  acknowledgement older than the portal's acknowledgement stamp is noted on the
  timeline with its real time, so the record keeps it);
* otherwise the incident is moved, through the normal transition services,
  to the state the event implies, at ``T``. Steps the vendor skipped take the
  event's time: a resolve that arrives for an incident nobody acknowledged
  acknowledges and contains it at the resolve time (or, when the payload tells
  the real acknowledgement time, as Squadcast's does, at that time);
* stamps never go back: a step is never stamped before the incident's latest
  stamp (or detection), and a reopen older than the latest stamp is stale;
* a declined incident is the portal's decision and is not revived; a vendor
  resolve on an incident closed in the portal changes nothing.

Priority changes follow the severity mapping, only when the vendor's priority
differs from the one last seen (so a severity changed by hand in the portal is
not undone by the next acknowledgement), and only if not older than the last
priority change applied.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import services as incident_services
from incidents.choices import IncidentAction, IncidentStatus, TimelineKind
from incidents.models import Incident, Service, Severity
from integrations.choices import PROCESSED_OUTCOMES, STATUS_CHANGES, InboundOutcome, VendorChange
from integrations.models import ExternalIncident, InboundDelivery, Integration
from integrations.services import secrets_in_force
from integrations.vendors import PayloadError, VendorEvent, VendorIncident, vendor_for
from portal import safejson
from portal.audit import audit_record
from portal.errors import DomainError

logger = logging.getLogger(__name__)

#: Bytes of an unverified body kept (enough to debug a misconfigured sender, not to fill the disk).
UNVERIFIED_BODY_KEPT = 2048
DEFAULT_MAX_BODY_BYTES = 256 * 1024

_STAMPS = ("acknowledged_at", "contained_at", "resolved_at", "closed_at", "declined_at", "reopened_at")
_url_validator = URLValidator(schemes=["http", "https"])


def max_body_bytes() -> int:
    return int(getattr(settings, "INTEGRATION_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


@dataclass(frozen=True)
class Received:
    delivery: InboundDelivery
    status: int
    detail: str


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


# --- receiving -----------------------------------------------------------------------------------------


def _record(
    integration: Integration,
    *,
    received_at: datetime,
    body: bytes,
    verified: bool,
    outcome: str,
    status: int,
    detail: str,
    event: VendorEvent | None = None,
    link: ExternalIncident | None = None,
) -> InboundDelivery:
    kept = body if verified else body[:UNVERIFIED_BODY_KEPT]
    return InboundDelivery.objects.create(
        integration=integration,
        received_at=received_at,
        event_id=event.event_id if event else "",
        event_type=event.event_type if event else "",
        verified=verified,
        outcome=outcome,
        http_status=status,
        detail=detail[:2000],
        body=kept.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        body_size=len(body),
        body_truncated=len(kept) < len(body),
        body_sha256=hashlib.sha256(body).hexdigest(),
        external_incident=link,
        incident_id=link.incident_id if link else None,
    )


def _existing_link(integration: Integration, event: VendorEvent) -> ExternalIncident | None:
    if event.incident is None:
        return None
    return ExternalIncident.objects.filter(
        integration=integration, external_id=event.incident.external_id
    ).first()


def _already_processed(integration: Integration, event_id: str) -> bool:
    return InboundDelivery.objects.filter(
        integration=integration, event_id=event_id, outcome__in=sorted(PROCESSED_OUTCOMES)
    ).exists()


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{key}: {' '.join(messages)}" for key, messages in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def webhook_receive(
    *, integration: Integration, body: bytes, too_large: bool, headers: Mapping[str, str]
) -> Received:
    """Handle one webhook request for ``integration``; answers 200, 400, 401, 403 or 409."""
    received_at = timezone.now()

    def refuse(outcome: str, status: int, detail: str, *, verified: bool, **extra: object) -> Received:
        delivery = _record(
            integration,
            received_at=received_at,
            body=body,
            verified=verified,
            outcome=outcome,
            status=status,
            detail=detail,
            **extra,  # type: ignore[arg-type]
        )
        return Received(delivery, status, detail)

    if too_large:
        return refuse(
            InboundOutcome.INVALID,
            400,
            f"The body is larger than {max_body_bytes()} bytes.",
            verified=False,
        )
    vendor = vendor_for(integration.kind)
    if not vendor.verify(headers, body, secrets_in_force(integration, now=received_at)):
        return refuse(InboundOutcome.REJECTED_SIGNATURE, 401, "Signature missing or wrong.", verified=False)
    if not integration.is_active:
        return refuse(InboundOutcome.REJECTED_INACTIVE, 403, "This integration is inactive.", verified=True)
    try:
        payload = safejson.loads(body.decode("utf-8"))
        event = vendor.parse(payload, headers=headers, body=body)
    except (UnicodeDecodeError, RecursionError) as exc:
        return refuse(
            InboundOutcome.INVALID, 400, f"The body is not JSON ({type(exc).__name__}).", verified=True
        )
    except (ValueError, PayloadError) as exc:
        message = (
            str(exc)
            if isinstance(exc, PayloadError | safejson.JSONRefused)
            else f"The body is not JSON: {exc}"
        )
        return refuse(InboundOutcome.INVALID, 400, message, verified=True)

    if _already_processed(integration, event.event_id):
        return refuse(
            InboundOutcome.DUPLICATE,
            200,
            "Already processed; nothing done.",
            verified=True,
            event=event,
            link=_existing_link(integration, event),
        )
    try:
        with transaction.atomic():
            delivery = _record(
                integration,
                received_at=received_at,
                body=body,
                verified=True,
                outcome=InboundOutcome.APPLIED,
                status=200,
                detail="",
                event=event,
            )
            applied = apply_event(integration, event)
            delivery.outcome = applied.outcome
            delivery.detail = (" ".join(applied.messages) or "Nothing to do.")[:2000]
            delivery.external_incident = applied.link
            delivery.incident_id = applied.link.incident_id if applied.link else None
            delivery.save(update_fields=["outcome", "detail", "external_incident", "incident"])
        return Received(delivery, 200, delivery.detail)
    except IntegrityError:
        if _already_processed(integration, event.event_id):
            return refuse(
                InboundOutcome.DUPLICATE,
                200,
                "Processed concurrently by another request; nothing done.",
                verified=True,
                event=event,
                link=_existing_link(integration, event),
            )
        logger.warning("integration %s: conflict applying %s", integration.pk, event.event_id, exc_info=True)
        return refuse(
            InboundOutcome.FAILED,
            409,
            "A concurrent delivery changed the same incident; send it again.",
            verified=True,
            event=event,
            link=_existing_link(integration, event),
        )
    except (ValidationError, DomainError, PayloadError) as exc:
        return refuse(
            InboundOutcome.FAILED,
            400,
            f"Not applied: {_error_text(exc)}",
            verified=True,
            event=event,
            link=_existing_link(integration, event),
        )
    except Exception:
        # Never a 500 to a vendor (it would retry forever); the traceback goes to the log.
        logger.exception("integration %s: unexpected error applying %s", integration.pk, event.event_id)
        return refuse(
            InboundOutcome.FAILED,
            400,
            "Not applied: unexpected error (logged).",
            verified=True,
            event=event,
            link=_existing_link(integration, event),
        )


# --- applying ------------------------------------------------------------------------------------------


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
        return {
            IncidentStatus.REPORTED: [
                IncidentAction.ACKNOWLEDGE,
                IncidentAction.CONTAIN,
                IncidentAction.RESOLVE,
            ],
            IncidentStatus.ACKNOWLEDGED: [IncidentAction.CONTAIN, IncidentAction.RESOLVE],
            IncidentStatus.CONTAINED: [IncidentAction.RESOLVE],
        }.get(status, [])
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
    for action in steps:
        when = step_at
        if action == IncidentAction.ACKNOWLEDGE and hint is not None and latest <= hint <= at:
            when = hint
        note = f"From {label} ({event.event_type})."
        if action == IncidentAction.DECLINE:
            note = f"Cancelled in {label} ({event.event_type})."
        elif when != at:
            note += f" Reported at {at.isoformat()}."
        incident = incident_services.incident_transition(
            incident=incident, action=action, actor=bot, note=note, at=when
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
        _apply_priority(integration, link, event, label, applied)
    if event.note:
        _apply_note(integration, link, event, label, applied)
    return applied
