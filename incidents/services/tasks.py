"""The incident checklist: tasks added by hand and moved along their small lifecycle."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from incidents.choices import TASK_TRANSITIONS, TaskAction, TaskStatus, TimelineKind
from incidents.models import Incident, IncidentRole, IncidentTask
from incidents.services.base import check_not_future, check_source, lock_incident, record_change, step_for
from portal.users import User


@transaction.atomic
def task_create(
    *,
    incident: Incident,
    actor: User,
    title: str,
    guidance: str = "",
    role: IncidentRole | None = None,
    due_at: datetime | None = None,
) -> IncidentTask:
    title = title.strip()
    if not title:
        raise ValidationError({"title": "A task needs a title."})
    incident = lock_incident(incident)
    last = IncidentTask.objects.filter(incident=incident).aggregate(last=Max("order"))["last"] or 0
    task = IncidentTask(
        incident=incident,
        order=last + 10,
        title=title,
        guidance=guidance,
        role=role,
        due_at=due_at,
        created_by=actor,
    )
    task.full_clean()
    task.save(force_insert=True)
    owner = f" for the {role.name}" if role else ""
    record_change(
        incident,
        obj=task,
        actor=actor,
        kind=TimelineKind.TASK,
        text=f"Task added{owner}: {title}.",
        data={"task": task.pk, "action": "created", "title": title, "role": role.slug if role else None},
        audit_action="task.created",
        audit_changes={
            "incident": incident.reference,
            "title": title,
            "role": role.slug if role else None,
            "due_at": due_at,
        },
    )
    return task


@transaction.atomic
def task_transition(
    *,
    task: IncidentTask,
    action: str,
    actor: User,
    note: str = "",
    at: datetime | None = None,
) -> IncidentTask:
    """Complete, skip (a reason is required: a skipped step of the plan must be
    explained to the reviewer) or reopen a task."""
    sources, target = step_for(TASK_TRANSITIONS, action, f"Unknown action {action!r}.")
    note = note.strip()
    if action == TaskAction.SKIP and not note:
        raise ValidationError({"reason": "Say why this task is skipped."})
    check_not_future(at, "at")
    incident = lock_incident(task.incident)
    task = IncidentTask.objects.select_for_update(of=("self",)).select_related("role").get(pk=task.pk)
    if at is not None and at < incident.detected_at:
        raise ValidationError({"at": "This time is before the incident was detected."})
    check_source(
        task.status,
        sources,
        lambda allowed: (
            f"Cannot {action} the task {task.title!r}: it is {task.status}; {action} is only possible from {allowed}."
        ),
    )
    now = at or timezone.now()
    old_status = task.status
    task.status = target
    if target == TaskStatus.OPEN:
        task.finished_at = None
        task.finished_by = None
    else:
        task.finished_at = now
        task.finished_by = actor
    task.note = note
    task.version += 1
    task.save(update_fields=["status", "finished_at", "finished_by", "note", "version"])
    verb = {TaskAction.COMPLETE: "completed", TaskAction.SKIP: "skipped", TaskAction.REOPEN: "reopened"}[
        TaskAction(action)
    ]
    text = f"Task {verb}: {task.title}."
    if note:
        text += f" {'Reason' if action == TaskAction.SKIP else 'Note'}: {note}"
    record_change(
        incident,
        obj=task,
        actor=actor,
        kind=TimelineKind.TASK,
        text=text,
        data={"task": task.pk, "action": action, "from": old_status, "to": target, "note": note},
        audit_action=f"task.{action}",
        audit_changes={"incident": incident.reference, "status": [old_status, target], "note": note},
        occurred_at=now,
    )
    return task


def task_complete(
    *, task: IncidentTask, actor: User, note: str = "", at: datetime | None = None
) -> IncidentTask:
    return task_transition(task=task, action=TaskAction.COMPLETE, actor=actor, note=note, at=at)


def task_skip(*, task: IncidentTask, actor: User, reason: str) -> IncidentTask:
    return task_transition(task=task, action=TaskAction.SKIP, actor=actor, note=reason)


def task_reopen(*, task: IncidentTask, actor: User, note: str = "") -> IncidentTask:
    return task_transition(task=task, action=TaskAction.REOPEN, actor=actor, note=note)
