"""Every read of incidents starts here, restricted by the reader's rights.

A restricted incident is visible only to its response team (current role
holders and its creator) and to whoever holds ``view_restricted_incident``
(compliance officers, administrators). For everyone else it does not exist.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from incidents.models import (
    Communication,
    Escalation,
    Evidence,
    Exercise,
    Incident,
    IncidentTask,
    Playbook,
    PlaybookTask,
    RoleAssignment,
    Service,
    StakeholderTemplate,
    StakeholderTemplateVersion,
    Team,
    TeamMember,
    TeamRoleCover,
    TimelineEvent,
)
from incidents.permissions import can_view_incidents, can_view_restricted


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    if not (user and user.is_authenticated and user.is_active) or not can_view_incidents(user):
        return Incident.objects.none()
    incidents = Incident.objects.all()
    if can_view_restricted(user):
        return incidents
    # `pk IN (...)` rather than `OR EXISTS(...)`: same plan, but PostgreSQL no longer
    # over-estimates the scan and JIT-compiles it (~600 ms on 100,000 incidents, bench/README.md).
    # Only the seats on restricted incidents: the unrestricted ones are in anyway.
    return incidents.filter(Q(is_restricted=False) | Q(created_by=user) | Q(pk__in=_restricted_seats(user)))


def _restricted_seats(user: Any) -> QuerySet[RoleAssignment, Any]:
    """The restricted incidents the reader holds a current role on, from the partial index of
    such seats (``RoleAssignment.incident_restricted`` is kept by the database)."""
    return RoleAssignment.objects.filter(user=user, ended_at__isnull=True, incident_restricted=True).values(
        "incident_id"
    )


def own_restricted(user: Any) -> tuple[Q, Q]:
    """The restricted incidents ``incidents_visible_to`` lets a reader without
    ``view_restricted_incident`` see, in two disjoint parts that each follow an index of the
    reader's own rows rather than of all restricted incidents: those they hold a current role on,
    and those they declared without holding one (``incidents/kpis.py`` aggregates each)."""
    seated = Q(pk__in=_restricted_seats(user))
    return Q(is_restricted=True) & seated, Q(is_restricted=True, created_by=user) & ~seated


def _active_holders() -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(ended_at__isnull=True).select_related("role", "user")


def _rendered(
    incidents: QuerySet[Incident], *, services: Prefetch, holders: QuerySet[RoleAssignment]
) -> QuerySet[Incident]:
    return incidents.select_related("severity", "category", "created_by", "team", "playbook").prefetch_related(
        services, Prefetch("role_assignments", queryset=holders, to_attr="active_roles")
    )


def incident_list(user: Any) -> QuerySet[Incident]:
    """The incidents a list page or the API shows, with what they render."""
    return _rendered(
        incidents_visible_to(user), services=Prefetch("services"), holders=_active_holders()
    )


#: The related rows' columns a list row renders (``incidents.api.serializers.incident_rows``)
#: and the CSV export reads; the incident's own columns are all kept.
_ROW_RELATED_COLUMNS = (
    "severity__id",
    "severity__name",
    "severity__rank",
    "severity__colour",
    "category__id",
    "category__name",
    "category__slug",
    "created_by__id",
    "created_by__username",
    "created_by__first_name",
    "created_by__last_name",
    "team__id",
    "team__name",
    "playbook__id",
    "playbook__name",
)


def incident_rows(user: Any) -> QuerySet[Incident]:
    """``incident_list`` for the API's list: the same rows, reading only the columns of the
    related records that a row shows. A page of 50 builds some 680 model instances; without the
    unread columns (password hashes, descriptions, the teams' and playbooks' own timestamps)
    there are 300 fewer datetimes to parse and far fewer attributes to set."""
    own = [field.attname for field in Incident._meta.concrete_fields]
    holders = _active_holders().only(
        "id",
        "incident_id",
        "assigned_at",
        "role__id",
        "role__slug",
        "role__name",
        "user__id",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    return _rendered(
        incidents_visible_to(user).only(*own, *_ROW_RELATED_COLUMNS),
        # As a list attribute: a row then reads its services without building a related manager
        # and a queryset per incident (100 managers and 50 query clones per page of 50).
        services=Prefetch("services", queryset=Service.objects.only("id", "name"), to_attr="listed_services"),
        holders=holders,
    )


def incident_get(user: Any, pk: int) -> Incident:
    """One visible incident or ``Incident.DoesNotExist`` (404 for the caller)."""
    return incident_list(user).get(pk=pk)


def timeline_for(incident: Incident) -> QuerySet[TimelineEvent]:
    return TimelineEvent.objects.filter(incident=incident).select_related("author")


def evidence_for(incident: Incident) -> QuerySet[Evidence]:
    return Evidence.objects.filter(incident=incident).select_related("uploaded_by")


def role_history_for(incident: Incident) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(incident=incident).select_related(
        "role", "user", "assigned_by", "ended_by"
    )


def is_on_response_team(user: Any, incident: Incident) -> bool:
    if incident.created_by_id == user.pk:
        return True
    return RoleAssignment.objects.filter(incident=incident, user=user, ended_at__isnull=True).exists()


# --- response plan -------------------------------------------------------------------------------------


def current_holders(incident: Incident) -> dict[int, Any]:
    """Role id -> the user holding it now (one query)."""
    return {
        assignment.role_id: assignment.user
        for assignment in RoleAssignment.objects.filter(
            incident=incident, ended_at__isnull=True
        ).select_related("user")
    }


def tasks_for(incident: Incident) -> QuerySet[IncidentTask]:
    return IncidentTask.objects.filter(incident=incident).select_related("role", "finished_by", "created_by")


def communications_for(incident: Incident) -> QuerySet[Communication]:
    return Communication.objects.filter(incident=incident).select_related("sender", "template")


def escalations_for(incident: Incident) -> QuerySet[Escalation]:
    return Escalation.objects.filter(incident=incident)


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("team_type").prefetch_related(
        Prefetch("members", queryset=TeamMember.objects.select_related("user").prefetch_related("roles")),
        Prefetch(
            "role_covers",
            queryset=TeamRoleCover.objects.select_related("role", "primary__user", "deputy__user"),
        ),
        "escalation_contacts",
    )


def playbook_list() -> QuerySet[Playbook]:
    return Playbook.objects.select_related("category", "minimum_severity", "team").prefetch_related(
        Prefetch("tasks", queryset=PlaybookTask.objects.select_related("role")),
        "escalation_rules",
        "communication_guidelines__template",
    )


def stakeholder_template_list() -> QuerySet[StakeholderTemplate]:
    return StakeholderTemplate.objects.select_related("created_by", "updated_by").prefetch_related(
        "categories", "severities"
    )


def template_versions_for(template: StakeholderTemplate) -> QuerySet[StakeholderTemplateVersion]:
    return StakeholderTemplateVersion.objects.filter(template=template).select_related("saved_by")


def exercises_visible_to(user: Any) -> QuerySet[Exercise]:
    """Exercises whose practice incident the reader may see (or that have none)."""
    visible = incidents_visible_to(user).filter(pk=OuterRef("incident_id"))
    return (
        Exercise.objects.filter(Q(incident__isnull=True) | Q(Exists(visible)))
        .select_related("category", "playbook", "team", "incident", "created_by")
        .prefetch_related("participants")
    )


def _exercise_row(exercise: Exercise) -> dict[str, Any]:
    return {
        "id": exercise.pk,
        "title": exercise.title,
        "exercise_type": exercise.exercise_type,
        "exercise_type_label": exercise.get_exercise_type_display(),
        "scenario": exercise.scenario,
        "objectives": exercise.objectives,
        "category": exercise.category.name if exercise.category else None,
        "playbook": exercise.playbook.name if exercise.playbook else None,
        "team": exercise.team.name if exercise.team else None,
        "participants": sorted(
            (user.get_full_name() or user.get_username() for user in exercise.participants.all()),
            key=str.lower,
        ),
        "external_participants": list(exercise.external_participants),
        "findings": exercise.findings,
        "follow_up_actions": list(exercise.follow_up_actions),
        "scheduled_for": exercise.scheduled_for,
        "conducted_at": exercise.conducted_at,
        "incident": exercise.incident.reference if exercise.incident else None,
    }


def exercise_report(user: Any, year: int) -> dict[str, Any]:
    """The year's exercises as evidence for ISO/IEC 27001 A.5.24-5.27: what
    was practised, by whom, what was learned, and what is still planned."""
    zone = timezone.get_current_timezone()
    start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    exercises = exercises_visible_to(user)
    conducted = [
        _exercise_row(e)
        for e in exercises.filter(conducted_at__gte=start, conducted_at__lt=end).order_by(
            "conducted_at", "pk"
        )
    ]
    scheduled = [
        _exercise_row(e)
        for e in exercises.filter(
            conducted_at__isnull=True, scheduled_for__gte=start, scheduled_for__lt=end
        ).order_by("scheduled_for", "pk")
    ]
    by_type = Counter(row["exercise_type_label"] for row in conducted)
    people = {name for row in conducted for name in row["participants"] + row["external_participants"]}
    return {
        "year": year,
        "generated_at": timezone.now(),
        "organisation": getattr(settings, "PORTAL_ORGANISATION_NAME", ""),
        "summary": {
            "conducted": len(conducted),
            "scheduled": len(scheduled),
            "by_type": dict(sorted(by_type.items())),
            "categories_practised": sorted({row["category"] for row in conducted if row["category"]}),
            "playbooks_practised": sorted({row["playbook"] for row in conducted if row["playbook"]}),
            "teams_practised": sorted({row["team"] for row in conducted if row["team"]}),
            "participants": len(people),
            "follow_up_actions": sum(len(row["follow_up_actions"]) for row in conducted),
        },
        "conducted": conducted,
        "scheduled": scheduled,
    }
