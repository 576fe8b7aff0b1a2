"""Receiving a vendor webhook: verify, store, and apply once (see the package docstring)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.choices import PROCESSED_OUTCOMES, InboundOutcome
from integrations.inbound.applying import apply_event
from integrations.models import ExternalIncident, InboundDelivery, Integration
from integrations.services import secrets_in_force
from integrations.vendors import PayloadError, VendorEvent, vendor_for
from portal import safejson
from portal.errors import DomainError

logger = logging.getLogger(__name__)

#: Bytes of an unverified body kept (enough to debug a misconfigured sender, not to fill the disk).
UNVERIFIED_BODY_KEPT = 2048
DEFAULT_MAX_BODY_BYTES = 256 * 1024


def max_body_bytes() -> int:
    return int(getattr(settings, "INTEGRATION_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


@dataclass(frozen=True)
class Received:
    delivery: InboundDelivery
    status: int
    detail: str


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
