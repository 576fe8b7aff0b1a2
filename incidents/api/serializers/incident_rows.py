"""The incident representation, written out by hand.

DRF renders an incident field by field through some 60 field objects, and a
``RoleHolderSerializer`` per row for its role holders; for a page of 50 rows
that was most of the list's time (issue 16). This builds the same dictionary,
key for key and value for value, from the same prefetched objects; the test
``tests/incidents/test_incident_rows.py`` proves the JSON byte-identical to
what the declared DRF fields produce, over varied incidents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, cast

from incidents.choices import actions_available
from incidents.models import Incident, RoleAssignment, Service


def iso_datetime(value: datetime | None, tz: tzinfo) -> str | None:
    """As DRF's DateTimeField renders with ``DATETIME_FORMAT = "iso-8601"`` and ``USE_TZ``."""
    if not value:
        return None
    text = value.astimezone(tz).isoformat()
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def _user(pk: int, username: str, first_name: str, last_name: str) -> dict[str, Any]:
    # As User.get_full_name() does it: the two names joined by a space, stripped.
    return {"id": pk, "username": username, "name": f"{first_name} {last_name}".strip() or username}


def _holder(values: Mapping[str, Any], tz: tzinfo) -> dict[str, Any]:
    return {
        "role": values["role__slug"],
        "role_name": values["role__name"],
        "user": _user(
            values["user_id"], values["user__username"], values["user__first_name"], values["user__last_name"]
        ),
        "assigned_at": iso_datetime(values["assigned_at"], tz),
    }


def _pair(pk: int | None, name: str | None) -> dict[str, Any] | None:
    return None if pk is None else {"id": pk, "name": name}


def _row(
    values: Mapping[str, Any], services: list[dict[str, Any]], roles: list[dict[str, Any]], tz: tzinfo
) -> dict[str, Any]:
    """The representation of one incident from its columns and those of its related rows (the
    names of ``ROW_COLUMNS``, as ``QuerySet.values`` gives them)."""
    return {
        "id": values["id"],
        "reference": values["reference"],
        "title": values["title"],
        "summary": values["summary"],
        "impact": values["impact"],
        "severity": {
            "id": values["severity_id"],
            "name": values["severity__name"],
            "rank": values["severity__rank"],
            "colour": values["severity__colour"],
        },
        "category": {
            "id": values["category_id"],
            "name": values["category__name"],
            "slug": values["category__slug"],
        },
        "services": services,
        "status": values["status"],
        **{name: iso_datetime(values[name], tz) for name in _STAMPS},
        "is_restricted": values["is_restricted"],
        "is_exercise": values["is_exercise"],
        "team": _pair(values["team_id"], values["team__name"]),
        "playbook": _pair(values["playbook_id"], values["playbook__name"]),
        "created_by": _user(
            values["created_by_id"],
            values["created_by__username"],
            values["created_by__first_name"],
            values["created_by__last_name"],
        ),
        "created_at": iso_datetime(values["created_at"], tz),
        "updated_at": iso_datetime(values["updated_at"], tz),
        "version": values["version"],
        "roles": roles,
        "allowed_actions": actions_available(values["status"]),
    }


_STAMPS = (
    "occurred_at",
    "detected_at",
    "aware_at",
    "acknowledged_at",
    "contained_at",
    "resolved_at",
    "closed_at",
    "declined_at",
    "reopened_at",
)
_OWN_COLUMNS = (
    "id",
    "reference",
    "title",
    "summary",
    "impact",
    "severity_id",
    "category_id",
    "status",
    *_STAMPS,
    "is_restricted",
    "is_exercise",
    "team_id",
    "playbook_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
)
_RELATED_COLUMNS = {
    "severity": ("name", "rank", "colour"),
    "category": ("name", "slug"),
    "team": ("name",),
    "playbook": ("name",),
    "created_by": ("username", "first_name", "last_name"),
}
#: What a list row reads, for ``QuerySet.values``: no model instance is built for a page.
ROW_COLUMNS = (
    *_OWN_COLUMNS,
    *(f"{relation}__{column}" for relation, columns in _RELATED_COLUMNS.items() for column in columns),
)
_HOLDER_COLUMNS = (
    "incident_id",
    "assigned_at",
    "role__slug",
    "role__name",
    "user_id",
    "user__username",
    "user__first_name",
    "user__last_name",
)


def _instance_values(incident: Incident) -> dict[str, Any]:
    values = {name: getattr(incident, name) for name in _OWN_COLUMNS}
    for relation, columns in _RELATED_COLUMNS.items():
        related = getattr(incident, relation)
        for column in columns:
            values[f"{relation}__{column}"] = None if related is None else getattr(related, column)
    return values


def listed_services(incident: Incident) -> Any:
    """The incident's services, from the list's prefetch when it ran."""
    listed = getattr(incident, "listed_services", None)  # incidents.selectors.incident_rows
    return incident.services.all() if listed is None else listed


def incident_row(incident: Incident, tz: tzinfo) -> dict[str, Any]:
    """``IncidentSerializer(incident).data``, without the field machinery."""
    holders = getattr(incident, "active_roles", None)
    if holders is None:
        holders = incident.role_assignments.filter(ended_at__isnull=True).select_related("role", "user")
    roles = [
        _holder(
            {
                "assigned_at": holder.assigned_at,
                "role__slug": holder.role.slug,
                "role__name": holder.role.name,
                "user_id": holder.user_id,
                "user__username": holder.user.username,
                "user__first_name": holder.user.first_name,
                "user__last_name": holder.user.last_name,
            },
            tz,
        )
        for holder in holders
    ]
    services = [{"id": service.pk, "name": service.name} for service in listed_services(incident)]
    return _row(_instance_values(incident), services, roles, tz)


def incident_rows_data(rows: Sequence[Mapping[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """The representation of a page of ``incidents.values(*ROW_COLUMNS)``: their services and
    current role holders in two more queries, ordered as the models order them, and no model
    instance built (a page of 50 had some 670)."""
    ids = [row["id"] for row in rows]
    services: dict[int, list[dict[str, Any]]] = defaultdict(list)
    links = Incident.services.through.objects.filter(incident_id__in=ids).order_by(*_SERVICE_ORDER)
    for incident_id, service_id, name in links.values_list("incident_id", "service_id", "service__name"):
        services[incident_id].append({"id": service_id, "name": name})
    roles: dict[int, list[dict[str, Any]]] = defaultdict(list)
    holders = RoleAssignment.objects.filter(incident_id__in=ids, ended_at__isnull=True)
    for holder in holders.order_by(*_HOLDER_ORDER).values(*_HOLDER_COLUMNS):
        roles[holder["incident_id"]].append(_holder(holder, tz))
    return [_row(row, services[row["id"]], roles[row["id"]], tz) for row in rows]


# The services and role holders of an incident as their prefetches order them (the models' Meta).
_SERVICE_ORDER = tuple(f"service__{field}" for field in cast(Sequence[str], Service._meta.ordering))
_HOLDER_ORDER = tuple(cast(Sequence[str], RoleAssignment._meta.ordering))
