"""Stakeholder communications: templates written by administrators, rendered
in the sandbox with a flat context, recorded as snapshots and mailed only
after the transaction that records them commits."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from incidents.choices import (
    COMMUNICATIONS_LEAD_ROLE,
    HTML_CHANNELS,
    INCIDENT_COMMANDER_ROLE,
    Channel,
    DeliveryStatus,
    IncidentStatus,
    TimelineKind,
)
from incidents.models import (
    Communication,
    Incident,
    RoleAssignment,
    StakeholderTemplate,
    StakeholderTemplateVersion,
)
from incidents.services.base import check_not_future, lock_incident, timeline_record
from incidents.validators import phone_validator
from portal.audit import audit_record
from portal.errors import PreconditionFailed
from portal.outbox import outbox_enqueue, outbox_handler
from portal.sandbox import UnsafeTemplate, render_template, validate_template
from portal.users import User

logger = logging.getLogger(__name__)

#: The only names a stakeholder template may use; all are plain strings except ``services`` (a list).
TEMPLATE_VARIABLES: tuple[str, ...] = (
    "reference",
    "title",
    "summary",
    "impact",
    "severity",
    "category",
    "status",
    "detected_at",
    "aware_at",
    "resolved_at",
    "next_update_at",
    "incident_commander",
    "communications_lead",
    "contact_email",
    "entity_name",
    "services",
)
#: A context of the right shape, used to try a template out when it is saved.
SAMPLE_CONTEXT: dict[str, Any] = {
    "reference": "INC-2026-0001",
    "title": "Sample incident",
    "summary": "What happened, in two sentences.",
    "impact": "Who and what is affected.",
    "severity": "SEV2",
    "category": "System outage",
    "status": "Acknowledged",
    "detected_at": "2026-01-01 09:00 UTC",
    "aware_at": "2026-01-01 09:30 UTC",
    "resolved_at": "",
    "next_update_at": "2026-01-01 12:00 UTC",
    "incident_commander": "Alex Morgan",
    "communications_lead": "Claire Dubois",
    "contact_email": "incidents@example.com",
    "entity_name": "Example Ltd",
    "services": ["Customer portal", "Payments API"],
}
MAX_RECIPIENTS = 200
MAX_SUBJECT_CHARS = 300
EXERCISE_PREFIX = "[EXERCISE] "


def _is_html(channel: str) -> bool:
    return channel in HTML_CHANNELS


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""


def _holders(incident: Incident) -> dict[str, Any]:
    return {
        assignment.role.slug: assignment.user
        for assignment in RoleAssignment.objects.filter(
            incident=incident,
            ended_at__isnull=True,
            role__slug__in=[INCIDENT_COMMANDER_ROLE, COMMUNICATIONS_LEAD_ROLE],
        ).select_related("role", "user")
    }


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def contact_email_for(incident: Incident, holders: Mapping[str, Any] | None = None) -> str:
    """Where stakeholders write back: the team's mailbox, else the communications lead."""
    if incident.team is not None and incident.team.email:
        return incident.team.email
    holders = _holders(incident) if holders is None else holders
    lead = holders.get(COMMUNICATIONS_LEAD_ROLE)
    return lead.email if lead is not None and lead.email else ""


def template_context(incident: Incident, *, next_update_at: datetime | None = None) -> dict[str, Any]:
    """The flat context of plain values a template sees; nothing else is reachable."""
    holders = _holders(incident)
    return {
        "reference": incident.reference,
        "title": incident.title,
        "summary": incident.summary,
        "impact": incident.impact,
        "severity": incident.severity.name,
        "category": incident.category.name,
        "status": IncidentStatus(incident.status).label,
        "detected_at": _when(incident.detected_at),
        "aware_at": _when(incident.aware_at),
        "resolved_at": _when(incident.resolved_at),
        "next_update_at": _when(next_update_at),
        "incident_commander": _name(holders.get(INCIDENT_COMMANDER_ROLE)),
        "communications_lead": _name(holders.get(COMMUNICATIONS_LEAD_ROLE)),
        "contact_email": contact_email_for(incident, holders),
        # The compliance assessment will name the legal entity; until then the organisation.
        "entity_name": getattr(settings, "PORTAL_ORGANISATION_NAME", ""),
        "services": [service.name for service in incident.services.all()],
    }


def validate_stakeholder_template(*, channel: str, subject_template: str, body_template: str) -> None:
    """Refuse templates that do not parse, reach outside the allowed variables,
    or fail when tried with a sample context (e.g. ``range(10**9)``)."""
    html = _is_html(channel)
    for field, source, autoescape in (
        ("subject_template", subject_template, False),
        ("body_template", body_template, html),
    ):
        try:
            validate_template(source, TEMPLATE_VARIABLES, autoescape=autoescape)
            render_template(source, SAMPLE_CONTEXT, autoescape=autoescape)
        except UnsafeTemplate as exc:
            raise ValidationError({field: str(exc)}) from None
    if not body_template.strip():
        raise ValidationError({"body_template": "A template needs a body."})


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    is_html: bool


def render_stakeholder_message(
    template: StakeholderTemplate, incident: Incident, *, next_update_at: datetime | None = None
) -> RenderedMessage:
    context = template_context(incident, next_update_at=next_update_at)
    html = _is_html(template.channel)
    try:
        subject = render_template(template.subject_template, context)
        body = render_template(template.body_template, context, autoescape=html)
    except UnsafeTemplate as exc:
        raise ValidationError({"template": str(exc)}) from None
    # A subject is one header line: no line breaks (header injection), bounded length.
    subject = " ".join(subject.split())
    if incident.is_exercise and not subject.startswith(EXERCISE_PREFIX.strip()):
        subject = f"{EXERCISE_PREFIX}{subject}".strip()
    return RenderedMessage(subject=subject[:MAX_SUBJECT_CHARS], body=body, is_html=html)


# --- template administration --------------------------------------------------------------------------

_TEMPLATE_FIELDS = (
    "name",
    "audience",
    "channel",
    "language",
    "subject_template",
    "body_template",
    "is_active",
)


def _template_state(template: StakeholderTemplate) -> dict[str, Any]:
    state: dict[str, Any] = {field: getattr(template, field) for field in _TEMPLATE_FIELDS}
    if template.pk is not None:
        state["categories"] = sorted(template.categories.values_list("slug", flat=True))
        state["severities"] = sorted(template.severities.values_list("name", flat=True))
    return state


def _apply_template_data(template: StakeholderTemplate, data: Mapping[str, Any]) -> None:
    for field in _TEMPLATE_FIELDS:
        if field in data:
            setattr(template, field, data[field])
    template.full_clean()
    validate_stakeholder_template(
        channel=template.channel,
        subject_template=template.subject_template,
        body_template=template.body_template,
    )


@transaction.atomic
def stakeholder_template_create(*, actor: User, data: Mapping[str, Any]) -> StakeholderTemplate:
    template = StakeholderTemplate(created_by=actor, updated_by=actor)
    _apply_template_data(template, data)
    template.save(force_insert=True)
    template.categories.set(data.get("categories", []))
    template.severities.set(data.get("severities", []))
    audit_record(
        action="stakeholder_template.created", actor=actor, obj=template, changes=_template_state(template)
    )
    return template


@transaction.atomic
def stakeholder_template_update(
    *,
    template: StakeholderTemplate,
    actor: User,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> StakeholderTemplate:
    """Change a template; the text it had is kept as a numbered version, so
    that every message ever sent can be traced to the reviewed text."""
    template = StakeholderTemplate.objects.select_for_update().get(pk=template.pk)
    if expected_version is not None and expected_version != template.version:
        raise PreconditionFailed(
            f"The template is at version {template.version}, not {expected_version}; reload it."
        )
    before = _template_state(template)
    previous = StakeholderTemplateVersion(
        template=template,
        version=template.version,
        **{field: getattr(template, field) for field in _TEMPLATE_FIELDS},
        categories=before["categories"],
        severities=before["severities"],
        saved_by=template.updated_by,
        saved_at=timezone.now(),
    )
    _apply_template_data(template, data)
    if "categories" in data:
        template.categories.set(data["categories"])
    if "severities" in data:
        template.severities.set(data["severities"])
    after = _template_state(template)
    changes = {field: [before[field], after[field]] for field in after if before[field] != after[field]}
    if not changes:
        return template
    previous.save(force_insert=True)
    template.version += 1
    template.updated_by = actor
    template.save()
    audit_record(
        action="stakeholder_template.updated",
        actor=actor,
        obj=template,
        changes={**changes, "version": [previous.version, template.version]},
    )
    return template


@transaction.atomic
def stakeholder_template_delete(*, template: StakeholderTemplate, actor: User) -> None:
    """Only unused templates can go (the database refuses otherwise); deactivate the others."""
    audit_record(
        action="stakeholder_template.deleted", actor=actor, obj=template, changes=_template_state(template)
    )
    template.delete()


# --- sending ----------------------------------------------------------------------------------------

_SPACES = re.compile(r"\n\s*\n\s*")


def html_to_text(html: str) -> str:
    """A plain-text alternative of an HTML body, for mail clients that want one."""
    text = unescape(strip_tags(re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>", "\n", html)))
    return _SPACES.sub("\n\n", text).strip()


def clean_recipients(channel: str, recipients: Iterable[str]) -> list[str]:
    """Check the recipients against what the channel can reach; duplicates go."""
    items = [str(item).strip() for item in recipients]
    if any("\x00" in item for item in items):
        raise ValidationError({"recipients": "A recipient contains a NUL character."})
    items = [item for item in items if item]
    if len(items) > MAX_RECIPIENTS:
        raise ValidationError({"recipients": f"At most {MAX_RECIPIENTS} recipients per communication."})
    if channel == Channel.STATUS_PAGE:
        if items:
            raise ValidationError({"recipients": "A status page post has no recipients."})
        return []
    if channel in (Channel.EMAIL, Channel.SMS) and not items:
        raise ValidationError({"recipients": "Give at least one recipient."})
    checkers: dict[str, Callable[[str], None]] = {Channel.EMAIL: validate_email, Channel.SMS: phone_validator}
    checker = checkers.get(channel)
    unique: dict[str, str] = {}
    for item in items:
        if checker is not None:
            try:
                checker(item)
            except ValidationError:
                raise ValidationError(
                    {"recipients": f"{item[:80]!r} is not a valid {Channel(channel).label} recipient."}
                ) from None
        elif len(item) > 500:
            raise ValidationError({"recipients": "A recipient is at most 500 characters."})
        unique.setdefault(item.lower(), item)
    return list(unique.values())


@transaction.atomic
def communication_send(
    *,
    incident: Incident,
    actor: User,
    template: StakeholderTemplate,
    recipients: Sequence[str] = (),
    audience: str | None = None,
    channel: str | None = None,
    next_update_at: datetime | None = None,
    sent_at: datetime | None = None,
    deliver: bool = True,
) -> Communication:
    """Render ``template`` for the incident, record what was said, and send it.

    Email goes out through Django's mail backend only once this transaction
    commits (one message per recipient, so that nobody sees the others'
    addresses); other channels are recorded for the operator to post.
    ``deliver=False`` with a past ``sent_at`` records a message sent outside
    the portal (imports, the demo).
    """
    if not template.is_active:
        raise ValidationError({"template": "This template is deactivated."})
    if audience is not None and audience != template.audience:
        raise ValidationError(
            {"audience": f"This template is written for {template.get_audience_display().lower()}."}
        )
    if channel is not None and channel != template.channel:
        raise ValidationError({"channel": f"This template is written for {template.get_channel_display()}."})
    check_not_future(sent_at, "sent_at")
    addresses = clean_recipients(template.channel, recipients)
    incident = lock_incident(incident)
    if sent_at is not None and sent_at < incident.detected_at:
        raise ValidationError({"sent_at": "This time is before the incident was detected."})
    categories = set(template.categories.values_list("pk", flat=True))
    severities = set(template.severities.values_list("pk", flat=True))
    if (categories and incident.category_id not in categories) or (
        severities and incident.severity_id not in severities
    ):
        raise ValidationError(
            {"template": "This template is not meant for this category or severity of incident."}
        )
    message = render_stakeholder_message(template, incident, next_update_at=next_update_at)
    if template.channel == Channel.EMAIL:
        status = DeliveryStatus.QUEUED if deliver else DeliveryStatus.RECORDED
    else:
        status = DeliveryStatus.TO_POST if deliver else DeliveryStatus.RECORDED
    communication = Communication.objects.create(
        incident=incident,
        template=template,
        template_version=template.version,
        audience=template.audience,
        channel=template.channel,
        language=template.language,
        recipients=addresses,
        subject=message.subject,
        body=message.body,
        is_html=message.is_html,
        next_update_at=next_update_at,
        sender=actor,
        sent_at=sent_at or timezone.now(),
        delivery_status=status,
    )
    told = f"{len(addresses)} recipient(s)" if addresses else "no individual recipients"
    verb = "sent" if status == DeliveryStatus.QUEUED else "recorded"
    timeline_record(
        incident,
        kind=TimelineKind.COMMUNICATION,
        text=f"{template.get_audience_display()} {verb} by {template.get_channel_display()}: "
        f"{message.subject or template.name} ({told}).",
        actor=actor,
        data={
            "communication": communication.pk,
            "audience": template.audience,
            "channel": template.channel,
            "template": template.pk,
            "template_version": template.version,
            "recipients": len(addresses),
        },
        occurred_at=communication.sent_at,
    )
    audit_record(
        action="communication.recorded",
        actor=actor,
        obj=communication,
        changes={
            "incident": incident.reference,
            "audience": template.audience,
            "channel": template.channel,
            "template": [template.pk, template.version],
            "recipients": addresses,
            "subject": message.subject,
            "delivery_status": status,
        },
    )
    if status == DeliveryStatus.QUEUED:
        outbox_enqueue(COMMUNICATION_MAIL, {"communication": communication.pk})
    return communication


COMMUNICATION_MAIL = "incidents.communication_mail"


@outbox_handler(COMMUNICATION_MAIL)
def _deliver_after_commit(payload: dict[str, Any]) -> None:
    communication_deliver(payload["communication"])


def communication_deliver(communication_id: int) -> None:
    """Mail a recorded communication (runs after the recording transaction
    committed) and note the outcome; a failure is recorded, not raised, so
    that the operator sees it on the timeline instead of losing the request."""
    communication = Communication.objects.select_related("incident__team").get(pk=communication_id)
    if communication.delivery_status != DeliveryStatus.QUEUED:
        return
    text = html_to_text(communication.body) if communication.is_html else communication.body
    reply_to = contact_email_for(communication.incident)
    messages = []
    for address in communication.recipients:
        message = EmailMultiAlternatives(
            subject=communication.subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            reply_to=[reply_to] if reply_to else None,
        )
        if communication.is_html:
            message.attach_alternative(communication.body, "text/html")
        messages.append(message)
    error = ""
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)
    except Exception as exc:  # any transport failure is recorded for the operator
        logger.warning("Sending communication %s failed: %s", communication_id, exc)
        error = f"{type(exc).__name__}: {exc}"[:500]
    _communication_record_delivery(communication_id, error=error)


@transaction.atomic
def _communication_record_delivery(communication_id: int, *, error: str) -> None:
    communication = (
        Communication.objects.select_for_update().select_related("incident").get(pk=communication_id)
    )
    communication.delivery_status = DeliveryStatus.FAILED if error else DeliveryStatus.SENT
    communication.delivered_at = timezone.now()
    communication.delivery_error = error
    communication.save(update_fields=["delivery_status", "delivered_at", "delivery_error"])
    if error:
        timeline_record(
            communication.incident,
            kind=TimelineKind.COMMUNICATION,
            text=f"Sending the {communication.get_audience_display().lower()} email failed: {error}",
            actor=None,
            data={"communication": communication.pk, "delivery_status": communication.delivery_status},
        )
    audit_record(
        action="communication.delivered" if not error else "communication.delivery_failed",
        actor=None,
        obj=communication,
        changes={"delivery_status": communication.delivery_status, "error": error},
    )
