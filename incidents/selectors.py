"""Every read of incidents starts here, restricted by the reader's rights.

A restricted incident is visible only to its response team (current role
holders and its creator) and to whoever holds ``view_restricted_incident``
(compliance officers, administrators). For everyone else it does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from incidents.models import Evidence, Incident, RoleAssignment, TimelineEvent


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    if not (user and user.is_authenticated and user.is_active) or not user.has_perm(
        "incidents.view_incident"
    ):
        return Incident.objects.none()
    incidents = Incident.objects.all()
    if user.has_perm("incidents.view_restricted_incident"):
        return incidents
    on_team = RoleAssignment.objects.filter(incident=OuterRef("pk"), user=user, ended_at__isnull=True)
    return incidents.filter(Q(is_restricted=False) | Q(created_by=user) | Q(Exists(on_team)))


def incident_list(user: Any) -> QuerySet[Incident]:
    """The incidents a list page or the API shows, with what they render."""
    return (
        incidents_visible_to(user)
        .select_related("severity", "category", "created_by")
        .prefetch_related(
            "services",
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.filter(ended_at__isnull=True).select_related("role", "user"),
                to_attr="active_roles",
            ),
        )
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
