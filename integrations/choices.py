"""Every kind, outcome and state of the integrations app."""

from __future__ import annotations

from django.db import models


class IntegrationKind(models.TextChoices):
    PAGERDUTY = "pagerduty", "PagerDuty (v3 webhooks)"
    SQUADCAST = "squadcast", "Squadcast (outgoing webhooks v2)"
    SERVICENOW = "servicenow", "ServiceNow (business rule + outbound REST)"
    OPSGENIE = "opsgenie", "Opsgenie (webhook integration)"
    GENERIC = "generic", "Generic JSON (Standard Webhooks signature)"


class InboundOutcome(models.TextChoices):
    """What became of one received webhook delivery."""

    APPLIED = "applied", "Applied"
    IGNORED = "ignored", "Stored and ignored"
    DUPLICATE = "duplicate", "Redelivery of an event already processed"
    REJECTED_SIGNATURE = "rejected_signature", "Refused: signature missing or wrong"
    REJECTED_INACTIVE = "rejected_inactive", "Refused: integration inactive"
    INVALID = "invalid", "Refused: body too large or malformed"
    FAILED = "failed", "Could not be applied (rolled back)"


#: Outcomes that consume an event id: a redelivery of one of these is a no-op.
PROCESSED_OUTCOMES = frozenset({InboundOutcome.APPLIED, InboundOutcome.IGNORED})


class VendorChange(models.TextChoices):
    """What a vendor event says happened, in the portal's words."""

    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    CANCELLED = "cancelled", "Cancelled (not an incident)"
    NOTE = "note", "Note"
    PRIORITY = "priority", "Priority changed"


#: Changes that say where the incident's lifecycle stands at the event's time.
STATUS_CHANGES = frozenset(
    {
        VendorChange.TRIGGERED,
        VendorChange.ACKNOWLEDGED,
        VendorChange.RESOLVED,
        VendorChange.REOPENED,
        VendorChange.CANCELLED,
    }
)


class WebhookEvent(models.TextChoices):
    """The events an outbound webhook subscription can ask for."""

    INCIDENT_CREATED = "incident.created", "Incident created"
    INCIDENT_STATUS_CHANGED = "incident.status_changed", "Incident status changed"
    OBLIGATION_DUE_SOON = "obligation.due_soon", "Obligation due within 24 hours"
    OBLIGATION_OVERDUE = "obligation.overdue", "Obligation overdue"
    REPORT_SUBMITTED = "report.submitted", "Regulator report submitted"
    POSTMORTEM_PUBLISHED = "postmortem.published", "Post-mortem published"
    ACTION_ITEM_OVERDUE = "action_item.overdue", "Action item overdue"
    AUDIT_CHECKPOINT = "audit.checkpoint", "Audit trail checkpoint signed"


class DeliveryState(models.TextChoices):
    """Where one outbound delivery (one event to one subscription) stands."""

    PENDING = "pending", "Pending (queued or waiting for a retry)"
    SENDING = "sending", "Being sent"
    SUCCEEDED = "succeeded", "Delivered"
    GAVE_UP = "gave_up", "Gave up (attempts exhausted or target refused)"
    CANCELLED = "cancelled", "Cancelled (subscription deactivated)"


#: The due-date events `manage.py emit_due_events` emits once each.
DUE_EVENTS = frozenset(
    {WebhookEvent.OBLIGATION_DUE_SOON, WebhookEvent.OBLIGATION_OVERDUE, WebhookEvent.ACTION_ITEM_OVERDUE}
)
