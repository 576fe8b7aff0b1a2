"""Who responds: incident role holders, and teams pulled into incidents by rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.choices import CoverPosition, TimelineKind
from incidents.messages import TIMELINE
from incidents.models import (
    EscalationContact,
    Incident,
    IncidentRole,
    RoleAssignment,
    Team,
    TeamMember,
    TeamRoleCover,
)
from incidents.services.base import lock_incident, timeline_record
from portal.audit import audit_record
from portal.users import User, display_name


@transaction.atomic
def incident_assign_role(
    *,
    incident: Incident,
    role: IncidentRole,
    user: User | None,
    actor: User | None,
    reason: str = "",
    at: datetime | None = None,
) -> RoleAssignment | None:
    """Give ``role`` to ``user`` (or vacate it with ``user=None``); the previous
    holder's assignment is ended, never deleted, so the history stays."""
    incident = lock_incident(incident)
    now = at or timezone.now()
    current = (
        RoleAssignment.objects.select_for_update()
        .select_related("user")
        .filter(incident=incident, role=role, ended_at__isnull=True)
        .first()
    )
    if current is not None and user is not None and current.user_id == user.pk:
        return current
    if current is None and user is None:
        return None
    if current is not None:
        current.ended_at = now
        current.ended_by = actor
        current.save(update_fields=["ended_at", "ended_by"])
    assignment = None
    if user is not None:
        if not user.is_active:
            raise ValidationError({"user": "This user is deactivated."})
        assignment = RoleAssignment.objects.create(
            incident=incident, role=role, user=user, assigned_at=now, assigned_by=actor
        )
    # The data keeps the accounts (usernames); the text names the people as they are called today.
    old_name = current.user.get_username() if current is not None else None
    new_name = user.get_username() if user is not None else None
    old_person = display_name(current.user) if current is not None else ""
    new_person = display_name(user)
    if new_name and old_name:
        text = TIMELINE["role_handed_over"].format(role=role.name, old=old_person, new=new_person)
    elif new_name:
        text = TIMELINE["role_taken"].format(person=new_person, role=role.name)
    else:
        text = TIMELINE["role_left"].format(person=old_person, role=role.name)
    if reason:
        text = f"{text[:-1]} ({reason})."
    data: dict[str, Any] = {"role": role.slug, "from": old_name, "to": new_name}
    if reason:
        data["reason"] = reason
    timeline_record(
        incident, kind=TimelineKind.ROLE_CHANGE, text=text, actor=actor, data=data, occurred_at=now
    )
    audit_record(
        action="incident.role_assigned",
        actor=actor,
        obj=incident,
        changes={"role": role.slug, "holder": [old_name, new_name], "reason": reason},
    )
    return assignment


def _covers(team: Team) -> list[TeamRoleCover]:
    return list(
        team.role_covers.filter(role__is_active=True).select_related("role", "primary__user", "deputy__user")
    )


def assign_team_roles(
    incident: Incident, *, team: Team, actor: User | None, at: datetime | None = None
) -> dict[str, str | None]:
    """Fill the incident's vacant roles from ``team``: the primary holder, else
    the deputy, else nobody (said on the timeline). Seats already held stay
    with their holder: pulling a team in never unseats a commander mid-incident.

    Runs inside the caller's transaction; returns role slug -> username.
    """
    at = at or timezone.now()
    held = set(
        RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True).values_list(
            "role_id", flat=True
        )
    )
    outcome: dict[str, str | None] = {}
    lines: list[str] = []
    for cover in _covers(team):
        role = cover.role
        if role.pk in held:
            lines.append(TIMELINE["team_role_kept"].format(role=role.name))
            continue
        if cover.primary.can_serve:
            member, position = cover.primary, CoverPosition.PRIMARY
        elif cover.deputy is not None and cover.deputy.can_serve:
            member, position = cover.deputy, CoverPosition.DEPUTY
        else:
            outcome[role.slug] = None
            lines.append(TIMELINE["team_role_nobody"].format(role=role.name))
            continue
        incident_assign_role(
            incident=incident,
            role=role,
            user=member.user,
            actor=actor,
            reason=f"{position.label.lower()} in {team.name}",
            at=at,
        )
        outcome[role.slug] = member.user.get_username()
        lines.append(
            TIMELINE["team_role_given"].format(
                role=role.name, person=display_name(member.user), position=position.label.lower()
            )
        )
    summary = "; ".join(lines) if lines else "the team has no role covers"
    timeline_record(
        incident,
        kind=TimelineKind.ROLE_CHANGE,
        text=TIMELINE["team_pulled_in"].format(team=team.name, summary=summary),
        actor=actor,
        data={"team": team.name, "assigned": outcome},
        occurred_at=at,
    )
    return outcome


@transaction.atomic
def incident_pull_in_team(*, incident: Incident, team: Team, actor: User) -> Incident:
    """Make ``team`` the incident's response team after declaration and fill its vacant roles."""
    if not team.is_active:
        raise ValidationError({"team": "This team is deactivated."})
    incident = lock_incident(incident)
    previous = incident.team.name if incident.team is not None else None
    incident.team = team
    incident.version += 1
    incident.save(update_fields=["team", "version", "updated_at"])
    outcome = assign_team_roles(incident, team=team, actor=actor)
    audit_record(
        action="incident.team_pulled_in",
        actor=actor,
        obj=incident,
        changes={"team": [previous, team.name], "assigned": outcome},
    )
    return incident


# --- team configuration -----------------------------------------------------------------------------

_TEAM_FIELDS = ("name", "team_type", "description", "email", "phone", "is_active")


def team_roster_snapshot(team: Team) -> dict[str, Any]:
    return {
        "members": {
            member.user.get_username(): sorted(role.slug for role in member.roles.all())
            for member in team.members.select_related("user").prefetch_related("roles")
        },
        "covers": {
            cover.role.slug: [
                cover.primary.user.get_username(),
                cover.deputy.user.get_username() if cover.deputy else None,
            ]
            for cover in team.role_covers.select_related("role", "primary__user", "deputy__user")
        },
        "escalation_contacts": [
            f"{contact.name} <{contact.email}>" if contact.email else f"{contact.name} ({contact.phone})"
            for contact in team.escalation_contacts.all()
        ],
    }


def _check_roster(members: Sequence[Mapping[str, Any]], covers: Sequence[Mapping[str, Any]]) -> None:
    can_hold: dict[int, set[int]] = {}
    for index, item in enumerate(members):
        user = item["user"]
        if user.pk in can_hold:
            raise ValidationError({"members": f"Item {index + 1}: {user.get_username()} is listed twice."})
        can_hold[user.pk] = {role.pk for role in item.get("roles", [])}
    seen_roles: set[int] = set()
    for index, item in enumerate(covers):
        role = item["role"]
        if role.pk in seen_roles:
            raise ValidationError({"role_covers": f"Item {index + 1}: {role.name} is covered twice."})
        seen_roles.add(role.pk)
        for position in ("primary", "deputy"):
            user = item.get(position)
            if user is None:
                continue
            if user.pk not in can_hold:
                raise ValidationError(
                    {"role_covers": f"Item {index + 1}: {user.get_username()} is not a member of the team."}
                )
            if role.pk not in can_hold[user.pk]:
                raise ValidationError(
                    {
                        "role_covers": f"Item {index + 1}: {user.get_username()} is not listed as able to hold {role.name}."
                    }
                )
        if item.get("deputy") is not None and item["deputy"].pk == item["primary"].pk:
            raise ValidationError(
                {"role_covers": f"Item {index + 1}: the deputy must differ from the primary."}
            )


@transaction.atomic
def team_save(*, actor: User, data: Mapping[str, Any], team: Team | None = None) -> Team:
    """Create a team or change it; a given roster (``members``, ``role_covers``,
    ``escalation_contacts``) replaces the previous one as a whole, so that
    what the API shows is exactly what was sent."""
    creating = team is None
    if team is None:
        team = Team()
        before: dict[str, Any] = {}
    else:
        team = Team.objects.select_for_update().get(pk=team.pk)
        before = {"fields": {f: str(getattr(team, f)) for f in _TEAM_FIELDS}, **team_roster_snapshot(team)}
    for field in _TEAM_FIELDS:
        if field in data:
            setattr(team, field, data[field])
    team.full_clean()
    team.save()

    members = data.get("members")
    covers = data.get("role_covers")
    if members is not None or covers is not None:
        if members is None:
            members = [
                {
                    "user": m.user,
                    "roles": list(m.roles.all()),
                    "phone": m.phone,
                    "is_available": m.is_available,
                }
                for m in team.members.select_related("user").prefetch_related("roles")
            ]
        if covers is None:
            covers = [
                {"role": c.role, "primary": c.primary.user, "deputy": c.deputy.user if c.deputy else None}
                for c in team.role_covers.select_related("role", "primary__user", "deputy__user")
            ]
        _check_roster(members, covers)
        team.role_covers.all().delete()
        keep = {item["user"].pk for item in members}
        team.members.exclude(user__in=keep).delete()
        by_user: dict[int, TeamMember] = {}
        for item in members:
            member, _ = TeamMember.objects.update_or_create(
                team=team,
                user=item["user"],
                defaults={"phone": item.get("phone", ""), "is_available": item.get("is_available", True)},
            )
            member.full_clean()
            member.roles.set(item.get("roles", []))
            by_user[item["user"].pk] = member
        TeamRoleCover.objects.bulk_create(
            TeamRoleCover(
                team=team,
                role=item["role"],
                primary=by_user[item["primary"].pk],
                deputy=by_user[item["deputy"].pk] if item.get("deputy") is not None else None,
            )
            for item in covers
        )
    contacts = data.get("escalation_contacts")
    if contacts is not None:
        team.escalation_contacts.all().delete()
        rows = []
        for order, item in enumerate(contacts, start=1):
            contact = EscalationContact(
                team=team,
                name=item["name"],
                function=item.get("function", ""),
                email=item.get("email", ""),
                phone=item.get("phone", ""),
                order=item.get("order") or order * 10,
            )
            try:
                contact.full_clean(exclude=["team"])
            except ValidationError as exc:
                raise ValidationError(
                    {"escalation_contacts": f"Item {order}: {'; '.join(exc.messages)}"}
                ) from None
            rows.append(contact)
        EscalationContact.objects.bulk_create(rows)

    after = {"fields": {f: str(getattr(team, f)) for f in _TEAM_FIELDS}, **team_roster_snapshot(team)}
    changes = after if creating else {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    audit_record(
        action="team.created" if creating else "team.updated", actor=actor, obj=team, changes=changes
    )
    return team
