"""Personal API tokens: creation, lookup and revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.models import ApiToken
from portal.users import User


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


@transaction.atomic
def api_token_create(
    *, user: User, name: str = "", expires_at: datetime | None = None, actor: User
) -> IssuedToken:
    """Issue a token; the clear key exists only in the returned value."""
    key = secrets.token_urlsafe(32)
    if expires_at is None:
        expires_at = timezone.now() + settings.API_TOKEN_LIFETIME
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:8], key_hash=hash_key(key), expires_at=expires_at
    )
    audit_record(
        action="api_token.created",
        actor=actor,
        obj=token,
        changes={"user": user.get_username(), "name": name, "expires_at": expires_at},
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="api_token.revoked", actor=actor, obj=token)
    return token


def api_token_lookup(key: str) -> ApiToken | None:
    token = ApiToken.objects.usable().select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute: a token used by a busy
    # integration should not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
