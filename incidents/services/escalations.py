"""Escalation of incidents that miss their targets, exactly once each.

``run_escalations`` (every minute, from cron or a systemd timer) asks
:func:`escalations_due` what is overdue and calls :func:`escalation_fire`
for each. Firing inserts the :class:`~incidents.models.Escalation` row
first; its unique constraint on (incident, target) is what lets only one of
two overlapping runs go on to write the timeline and queue the mail, which
leaves only after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from incidents.choices import (
    INCIDENT_COMMANDER_ROLE,
    MILESTONE_STAMPS,
    OPEN_STATUSES,
    EscalationKind,
    Milestone,
    TimelineKind,
)
from incidents.models import Communication, Escalation, Incident, RoleAssignment, Team
from incidents.services.base import timeline_record
from incidents.services.communications import EXERCISE_PREFIX
from portal.audit import audit_record
from portal.outbox import outbox_enqueue, outbox_handler

logger = logging.getLogger(__name__)

ACKNOWLEDGE_TARGET = "acknowledge"
RESOLVE_TARGET = "resolve"


@dataclass(frozen=True)
class DueEscalation:
    incident_id: int
    kind: str
    target: str
    due_at: datetime
    detail: str
    extra_recipients: tuple[str, ...] = ()


def _minutes(value: int) -> str:
    if value % 1440 == 0:
        return f"{value // 1440} d"
    if value % 60 == 0:
        return f"{value // 60} h"
    return f"{value} min"


def _targets(incident: Incident, told: set[str]) -> list[tuple[str, str, datetime, str, tuple[str, ...]]]:
    """(kind, target, due, detail, extra recipients) of everything the incident is measured against."""
    start = incident.detected_at
    severity = incident.severity
    targets: list[tuple[str, str, datetime, str, tuple[str, ...]]] = []
    if incident.acknowledged_at is None:
        targets.append(
            (
                EscalationKind.ACKNOWLEDGE_TARGET,
                ACKNOWLEDGE_TARGET,
                start + timedelta(minutes=severity.acknowledge_target_minutes),
                f"not acknowledged within {_minutes(severity.acknowledge_target_minutes)} ({severity.name} target)",
                (),
            )
        )
    if incident.resolved_at is None:
        targets.append(
            (
                EscalationKind.RESOLVE_TARGET,
                RESOLVE_TARGET,
                start + timedelta(minutes=severity.resolve_target_minutes),
                f"not resolved within {_minutes(severity.resolve_target_minutes)} ({severity.name} target)",
                (),
            )
        )
    playbook = incident.playbook
    if playbook is not None:
        for rule in playbook.escalation_rules.all():
            if getattr(incident, MILESTONE_STAMPS[rule.milestone]) is None:
                milestone = Milestone(rule.milestone).label.lower()
                detail = f"not {milestone} within {_minutes(rule.after_minutes)} (playbook {playbook.name})"
                if rule.note:
                    detail += f": {rule.note}"
                targets.append(
                    (
                        EscalationKind.PLAYBOOK_RULE,
                        f"rule:{rule.pk}",
                        start + timedelta(minutes=rule.after_minutes),
                        detail,
                        tuple(rule.notify_emails),
                    )
                )
        for guideline in playbook.communication_guidelines.all():
            if guideline.audience not in told:
                audience = guideline.get_audience_display().lower()
                targets.append(
                    (
                        EscalationKind.COMMUNICATION_OVERDUE,
                        f"communication:{guideline.pk}",
                        start + timedelta(minutes=guideline.within_minutes),
                        f"{audience} not told within {_minutes(guideline.within_minutes)} (playbook {playbook.name})",
                        (),
                    )
                )
    return targets


def _open_incidents() -> list[Incident]:
    return list(
        Incident.objects.filter(status__in=OPEN_STATUSES)
        .select_related("severity", "playbook")
        .prefetch_related("playbook__escalation_rules", "playbook__communication_guidelines")
    )


def escalations_due(*, now: datetime | None = None) -> list[DueEscalation]:
    """Every target of an open incident that has passed and not been escalated yet."""
    now = now or timezone.now()
    incidents = _open_incidents()
    ids = [incident.pk for incident in incidents]
    fired = set(Escalation.objects.filter(incident_id__in=ids).values_list("incident_id", "target"))
    told: dict[int, set[str]] = {}
    for incident_id, audience in Communication.objects.filter(incident_id__in=ids).values_list(
        "incident_id", "audience"
    ):
        told.setdefault(incident_id, set()).add(audience)
    due: list[DueEscalation] = []
    for incident in incidents:
        for kind, target, due_at, detail, extra in _targets(incident, told.get(incident.pk, set())):
            if due_at <= now and (incident.pk, target) not in fired:
                due.append(DueEscalation(incident.pk, kind, target, due_at, detail, extra))
    return sorted(due, key=lambda item: (item.due_at, item.incident_id, item.target))


def _recipients(incident: Incident, extra: tuple[str, ...]) -> list[str]:
    """The team's escalation contacts (the incident's team, else its playbook's),
    the incident commander, and whoever the rule names; each address once."""
    team: Team | None = incident.team or (incident.playbook.team if incident.playbook else None)
    addresses: list[str] = []
    if team is not None:
        addresses += [contact.email for contact in team.escalation_contacts.all() if contact.email]
    commander = (
        RoleAssignment.objects.filter(
            incident=incident, role__slug=INCIDENT_COMMANDER_ROLE, ended_at__isnull=True
        )
        .select_related("user")
        .first()
    )
    if commander is not None and commander.user.email:
        addresses.append(commander.user.email)
    addresses += list(extra)
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


def _still_due(incident: Incident, item: DueEscalation) -> bool:
    if incident.status not in OPEN_STATUSES:
        return False
    told = set(Communication.objects.filter(incident=incident).values_list("audience", flat=True))
    return any(target == item.target for _, target, _, _, _ in _targets(incident, told))


@transaction.atomic
def escalation_fire(item: DueEscalation, *, now: datetime | None = None) -> Escalation | None:
    """Escalate one overdue target, or do nothing if another run already did
    (or the incident moved on meanwhile). Returns the escalation it wrote."""
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("severity", "playbook", "team")
        .filter(pk=item.incident_id)
        .first()
    )
    if incident is None or not _still_due(incident, item):
        return None
    recipients = _recipients(incident, item.extra_recipients)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                incident=incident,
                kind=item.kind,
                target=item.target,
                due_at=item.due_at,
                fired_at=now or timezone.now(),
                recipients=recipients,
                detail=item.detail[:500],
                is_exercise=incident.is_exercise,
            )
    except IntegrityError:
        return None  # an overlapping run escalated this target first
    timeline_record(
        incident,
        kind=TimelineKind.ESCALATION,
        text=f"Escalated: {item.detail}. "
        + (f"Told {', '.join(recipients)}." if recipients else "Nobody to tell: no escalation contacts."),
        actor=None,
        data={
            "escalation": escalation.pk,
            "kind": item.kind,
            "target": item.target,
            "recipients": recipients,
        },
        occurred_at=escalation.fired_at,
    )
    audit_record(
        action="incident.escalated",
        actor=None,
        obj=incident,
        changes={"target": item.target, "due_at": item.due_at, "recipients": recipients},
    )
    if recipients:
        outbox_enqueue(ESCALATION_MAIL, {"escalation": escalation.pk})
    return escalation


ESCALATION_MAIL = "incidents.escalation_mail"


@outbox_handler(ESCALATION_MAIL)
def _mail_escalation_after_commit(payload: dict[str, Any]) -> None:
    _mail_escalation(payload["escalation"])


def _mail_escalation(escalation_id: int) -> None:
    escalation = Escalation.objects.select_related("incident__severity").get(pk=escalation_id)
    incident = escalation.incident
    # Exercises escalate like real incidents, so that the path is practised, but say so loudly.
    prefix = EXERCISE_PREFIX if incident.is_exercise else ""
    # A restricted incident's title may itself be sensitive; the link is enough.
    title = "(restricted incident)" if incident.is_restricted else incident.title
    link = settings.SITE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])
    lines = [
        f"{incident.reference} {title}",
        f"Severity {incident.severity.name}, status {incident.get_status_display().lower()}.",
        f"It is {escalation.detail}.",
        f"The target was due at {timezone.localtime(escalation.due_at):%Y-%m-%d %H:%M %Z}.",
        "",
        f"Open it: {link}",
    ]
    if incident.is_exercise:
        lines.insert(0, "THIS IS AN EXERCISE. No real incident is behind this message.\n")
    message = EmailMessage(
        subject=f"{prefix}[ESCALATION] {incident.reference}: {escalation.detail}"[:300],
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=escalation.recipients,
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # the escalation stands; the failure must be visible, not crash the run
        logger.warning("Escalation %s could not be mailed: %s", escalation_id, exc)
        with transaction.atomic():
            timeline_record(
                incident,
                kind=TimelineKind.ESCALATION,
                text=f"The escalation mail could not be sent ({type(exc).__name__}); call the contacts.",
                actor=None,
                data={"escalation": escalation.pk, "error": str(exc)[:300]},
            )


def escalations_run(*, now: datetime | None = None) -> list[Escalation]:
    """One pass of ``run_escalations``: each target in its own transaction, so
    that one incident's trouble does not hold back the others' mail."""
    fired = []
    for item in escalations_due(now=now):
        escalation = escalation_fire(item, now=now)
        if escalation is not None:
            fired.append(escalation)
    return fired
