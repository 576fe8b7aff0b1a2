"""Exercises: planned, conducted (optionally through a practice incident) and written up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import Exercise, Incident, Severity
from incidents.services.base import check_not_future
from incidents.services.incidents import incident_create
from portal.audit import audit_record, model_changes
from portal.errors import ConflictError, PreconditionFailed
from portal.users import User

_EXERCISE_FIELDS = (
    "title",
    "exercise_type",
    "scenario",
    "objectives",
    "category",
    "playbook",
    "team",
    "external_participants",
    "findings",
    "follow_up_actions",
    "scheduled_for",
    "conducted_at",
    "incident",
)


def _state(exercise: Exercise) -> dict[str, Any]:
    state: dict[str, Any] = {
        field: getattr(exercise, f"{field}_id")
        if field in ("category", "playbook", "team", "incident")
        else getattr(exercise, field)
        for field in _EXERCISE_FIELDS
    }
    if exercise.pk is not None:
        state["participants"] = sorted(exercise.participants.values_list("username", flat=True))
    return state


def _apply(exercise: Exercise, data: Mapping[str, Any]) -> None:
    for field in _EXERCISE_FIELDS:
        if field in data:
            setattr(exercise, field, data[field])
    if exercise.scheduled_for is None and exercise.conducted_at is not None:
        exercise.scheduled_for = exercise.conducted_at
    if exercise.scheduled_for is None:
        raise ValidationError({"scheduled_for": "Say when the exercise is (or was) scheduled."})
    check_not_future(exercise.conducted_at, "conducted_at")
    if exercise.incident is not None and not exercise.incident.is_exercise:
        raise ValidationError({"incident": "Only an incident flagged as an exercise can be linked to one."})
    if exercise.category is None and exercise.playbook is not None:
        exercise.category = exercise.playbook.category
    exercise.full_clean()


@transaction.atomic
def exercise_create(*, actor: User, data: Mapping[str, Any]) -> Exercise:
    exercise = Exercise(created_by=actor)
    _apply(exercise, data)
    exercise.save(force_insert=True)
    exercise.participants.set(data.get("participants", []))
    audit_record(action="exercise.created", actor=actor, obj=exercise, changes=_state(exercise))
    return exercise


@transaction.atomic
def exercise_update(
    *,
    exercise: Exercise,
    actor: User,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Exercise:
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if expected_version is not None and expected_version != exercise.version:
        raise PreconditionFailed(
            f"The exercise is at version {exercise.version}, not {expected_version}; reload it."
        )
    before = _state(exercise)
    _apply(exercise, data)
    if "participants" in data:
        exercise.participants.set(data["participants"])
    changes = model_changes(before, _state(exercise))
    if not changes:
        return exercise
    exercise.version += 1
    exercise.save()
    audit_record(action="exercise.updated", actor=actor, obj=exercise, changes=changes)
    return exercise


@transaction.atomic
def exercise_delete(*, exercise: Exercise, actor: User) -> None:
    audit_record(action="exercise.deleted", actor=actor, obj=exercise, changes=_state(exercise))
    exercise.delete()


@transaction.atomic
def exercise_start(*, exercise: Exercise, actor: User, severity: Severity | None = None) -> Incident:
    """Declare the exercise's practice incident (flagged ``is_exercise``), so
    that the team is pulled in and the playbook's tasks, escalations and
    messages are rehearsed for real. The severity defaults to the playbook's
    minimum, so that its playbook is the one that applies."""
    exercise = (
        Exercise.objects.select_for_update(of=("self",))
        .select_related("playbook", "category", "team")
        .get(pk=exercise.pk)
    )
    if exercise.incident_id is not None:
        raise ConflictError("This exercise already has its practice incident.")
    category = exercise.category or (exercise.playbook.category if exercise.playbook else None)
    if category is None:
        raise ValidationError({"category": "Give the exercise a category or a playbook first."})
    severity = severity or (exercise.playbook.minimum_severity if exercise.playbook else None)
    if severity is None:
        raise ValidationError({"severity": "Say which severity to practise."})
    now = timezone.now()
    incident = incident_create(
        actor=actor,
        title=f"Exercise: {exercise.title}"[:200],
        summary=f"Planned exercise; the impact is simulated. Scenario: {exercise.scenario}"[:20_000],
        impact="None: exercise.",
        severity=severity,
        category=category,
        is_exercise=True,
        team=exercise.team,
        declared_at=now,
    )
    exercise.incident = incident
    exercise.conducted_at = exercise.conducted_at or now
    exercise.version += 1
    exercise.save(update_fields=["incident", "conducted_at", "version", "updated_at"])
    audit_record(
        action="exercise.started",
        actor=actor,
        obj=exercise,
        changes={"incident": incident.reference, "conducted_at": exercise.conducted_at},
    )
    return incident
