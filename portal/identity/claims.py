"""From an OIDC provider's claims to a portal user with roles, in one transaction."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.models import ExternalIdentity, UserProfile
from portal.permissions import can_administer_roles, holds_a_role

_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


@dataclass(frozen=True)
class ExternalSignIn:
    user: Any
    created: bool
    roles: list[str]
    has_role: bool
    role_claim_values: list[str]


def role_claim_values(claims: dict[str, Any]) -> list[str]:
    """The values of ``OIDC_ROLE_CLAIM``; a dotted name walks nested objects (``realm_access.roles``)."""
    value: Any = claims
    for part in settings.OIDC_ROLE_CLAIM.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_roles(values: list[str]) -> set[str]:
    role_map: dict[str, list[str]] = settings.OIDC_ROLE_MAP
    return {role for value in values for role in role_map.get(value, [])}


def _sync_roles(user: Any, wanted: set[str]) -> list[str]:
    """Give the user exactly the mapped roles among those the map manages.

    Roles that no ``OIDC_ROLE_MAP`` entry names are left alone, so a role an
    administrator granted by hand is not taken away at the next sign-in.
    """
    managed = {role for roles in settings.OIDC_ROLE_MAP.values() for role in roles}
    groups = {group.name: group for group in Group.objects.filter(name__in=managed)}
    user.groups.remove(*[group for name, group in groups.items() if name not in wanted])
    user.groups.add(*[group for name, group in groups.items() if name in wanted])
    return sorted(name for name in wanted if name in groups)


def _free_username(claims: dict[str, Any]) -> str:
    user_model = get_user_model()
    preferred = claims.get("preferred_username") or (claims.get("email") or "").split("@")[0]
    base = _USERNAME_UNSAFE.sub("", str(preferred))[:140]
    if not base:
        base = "sso-" + hashlib.sha256(str(claims["sub"]).encode()).hexdigest()[:12]
    candidate, n = base, 1
    while user_model.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _apply_profile_claims(user: Any, claims: dict[str, Any]) -> None:
    first = claims.get("given_name")
    last = claims.get("family_name")
    if not (first or last) and isinstance(claims.get("name"), str):
        first, _, last = claims["name"].partition(" ")
    if isinstance(first, str):
        user.first_name = first[:150]
    if isinstance(last, str):
        user.last_name = last[:150]
    if isinstance(claims.get("email"), str):
        user.email = claims["email"][:254]
    user.save(update_fields=["first_name", "last_name", "email", "is_staff"])
    zone = claims.get("zoneinfo")
    if isinstance(zone, str) and zone in available_timezones():
        UserProfile.objects.update_or_create(user=user, defaults={"timezone": zone})


def _holds_configuration_rights(user: Any) -> bool:
    # Read again: the roles were just synced and the user's permission cache predates them.
    return can_administer_roles(get_user_model().objects.get(pk=user.pk))


@transaction.atomic
def sign_in_external_user(claims: dict[str, Any]) -> ExternalSignIn:
    """Find (by issuer and ``sub``) or create the user, then apply the role map and profile claims."""
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    if not issuer or not subject:
        raise SuspiciousOperation("The ID token names no issuer or subject.")
    link = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    created = link is None
    if link is None:
        user = get_user_model().objects.create_user(username=_free_username(claims))
        user.set_unusable_password()
        user.save(update_fields=["password"])
        link = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    user = link.user
    if not user.is_active:
        raise SuspiciousOperation(f"The portal account {user.get_username()} is deactivated.")
    values = role_claim_values(claims)
    roles = _sync_roles(user, mapped_roles(values))
    user.is_staff = user.is_superuser or _holds_configuration_rights(user)
    _apply_profile_claims(user, claims)
    link.last_login_at = timezone.now()
    link.save(update_fields=["last_login_at"])
    has_role = holds_a_role(user)
    audit_record(
        action="auth.sso_login",
        actor=user,
        obj=user,
        changes={
            "issuer": issuer,
            "subject": subject,
            "created": created,
            "role_claim": settings.OIDC_ROLE_CLAIM,
            "claim_values": values,
            "roles": roles,
            "amr": claims.get("amr") if isinstance(claims.get("amr"), list) else [],
        },
    )
    return ExternalSignIn(
        user=user, created=created, roles=roles, has_role=has_role, role_claim_values=values
    )
