"""Playbooks: which one applies to an incident, what applying it does, and
how an administrator writes one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max

from incidents.choices import TimelineKind
from incidents.models import (
    Category,
    CommunicationGuideline,
    Incident,
    IncidentTask,
    Playbook,
    PlaybookEscalationRule,
    PlaybookTask,
    Severity,
)
from incidents.services.base import timeline_record
from portal.audit import audit_record
from portal.users import User


def playbook_for(*, category: Category, severity: Severity) -> Playbook | None:
    """The active playbook of ``category`` with the strictest minimum severity
    that the incident still reaches (rank <= the minimum's rank)."""
    return (
        Playbook.objects.filter(is_active=True, category=category, minimum_severity__rank__gte=severity.rank)
        .select_related("team", "minimum_severity")
        .order_by("minimum_severity__rank", "pk")
        .first()
    )


def apply_playbook(
    incident: Incident, *, playbook: Playbook, actor: User | None, at: datetime
) -> list[IncidentTask]:
    """Add the playbook's checklist to the incident (inside the caller's
    transaction). Tasks it added before are not added again; due times count
    from ``at``, the moment the playbook started to apply."""
    already = set(
        IncidentTask.objects.filter(incident=incident, playbook_task__isnull=False).values_list(
            "playbook_task_id", flat=True
        )
    )
    offset = IncidentTask.objects.filter(incident=incident).aggregate(last=Max("order"))["last"] or 0
    tasks = [
        IncidentTask(
            incident=incident,
            playbook_task=step,
            order=offset + step.order,
            title=step.title,
            guidance=step.guidance,
            role=step.role,
            due_at=at + timedelta(minutes=step.due_after_minutes) if step.due_after_minutes else None,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            created_at=at,
        )
        for step in playbook.tasks.select_related("role").order_by("order", "pk")
        if step.pk not in already
    ]
    IncidentTask.objects.bulk_create(tasks)
    timeline_record(
        incident,
        kind=TimelineKind.TASK,
        text=f"Playbook {playbook.name} applies: {len(tasks)} task(s) added to the checklist.",
        actor=actor,
        data={"playbook": playbook.name, "playbook_id": playbook.pk, "tasks_added": len(tasks)},
        occurred_at=at,
    )
    audit_record(
        action="incident.playbook_applied",
        actor=actor,
        obj=incident,
        changes={"playbook": playbook.name, "tasks": [task.title for task in tasks]},
    )
    return tasks


# --- playbook configuration -------------------------------------------------------------------------

_PLAYBOOK_FIELDS = ("name", "category", "minimum_severity", "description", "team", "is_active")


def playbook_snapshot(playbook: Playbook) -> dict[str, Any]:
    return {
        "fields": {f: str(getattr(playbook, f)) for f in _PLAYBOOK_FIELDS},
        "tasks": [
            [t.order, t.title, t.role.slug if t.role else None, t.due_after_minutes]
            for t in playbook.tasks.select_related("role")
        ],
        "escalation_rules": [
            [r.milestone, r.after_minutes, r.notify_emails] for r in playbook.escalation_rules.all()
        ],
        "communication_guidelines": [
            [g.audience, g.template_id, g.within_minutes] for g in playbook.communication_guidelines.all()
        ],
    }


def _replace_children(
    *,
    field: str,
    existing: models.QuerySet[Any],
    items: Sequence[Mapping[str, Any]],
    build: Any,
) -> None:
    """Items with an ``id`` of an existing row update it; others are created;
    rows not listed are deleted (tasks already copied to incidents keep their copy)."""
    rows = {row.pk: row for row in existing}
    kept: set[int] = set()
    for index, item in enumerate(items, start=1):
        row_id = item.get("id")
        if row_id is not None:
            if row_id not in rows:
                raise ValidationError(
                    {field: f"Item {index}: there is no such item (id {row_id}) in this playbook."}
                )
            row = rows[row_id]
            kept.add(row_id)
        else:
            row = None
        row = build(row, item, index)
        try:
            row.full_clean(exclude=["playbook"])
        except ValidationError as exc:
            raise ValidationError({field: f"Item {index}: {'; '.join(exc.messages)}"}) from None
        row.save()
    existing.model.objects.filter(pk__in=set(rows) - kept).delete()


@transaction.atomic
def playbook_save(*, actor: User, data: Mapping[str, Any], playbook: Playbook | None = None) -> Playbook:
    """Create or change a playbook with its tasks, escalation rules and
    communication guidelines (each list, when given, replaces the previous one)."""
    creating = playbook is None
    if playbook is None:
        playbook = Playbook()
        before: dict[str, Any] = {}
    else:
        playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
        before = playbook_snapshot(playbook)
    for field in _PLAYBOOK_FIELDS:
        if field in data:
            setattr(playbook, field, data[field])
    playbook.full_clean()
    playbook.save()

    def task(row: PlaybookTask | None, item: Mapping[str, Any], index: int) -> PlaybookTask:
        row = row or PlaybookTask(playbook=playbook)
        row.order = item.get("order") or index * 10
        row.title = item["title"]
        row.guidance = item.get("guidance", "")
        row.role = item.get("role")
        row.due_after_minutes = item.get("due_after_minutes")
        return row

    def rule(
        row: PlaybookEscalationRule | None, item: Mapping[str, Any], index: int
    ) -> PlaybookEscalationRule:
        row = row or PlaybookEscalationRule(playbook=playbook)
        row.milestone = item["milestone"]
        row.after_minutes = item["after_minutes"]
        row.notify_emails = list(item.get("notify_emails", []))
        row.note = item.get("note", "")
        return row

    def guideline(
        row: CommunicationGuideline | None, item: Mapping[str, Any], index: int
    ) -> CommunicationGuideline:
        row = row or CommunicationGuideline(playbook=playbook)
        row.audience = item["audience"]
        row.template = item.get("template")
        row.within_minutes = item["within_minutes"]
        row.note = item.get("note", "")
        return row

    for field, related, build in (
        ("tasks", playbook.tasks, task),
        ("escalation_rules", playbook.escalation_rules, rule),
        ("communication_guidelines", playbook.communication_guidelines, guideline),
    ):
        if data.get(field) is not None:
            _replace_children(field=field, existing=related.all(), items=data[field], build=build)

    after = playbook_snapshot(playbook)
    changes = after if creating else {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    audit_record(
        action="playbook.created" if creating else "playbook.updated",
        actor=actor,
        obj=playbook,
        changes=changes,
    )
    return playbook
