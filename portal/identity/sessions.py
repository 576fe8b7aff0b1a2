"""Sessions that know their user, and the age and idle limits every session obeys.

``SESSION_ENGINE = "portal.identity.sessions"``: Django's database engine,
with the user id written beside each row (``UserSession``).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.http import HttpRequest

SIGNED_IN_AT = "identity_signed_in_at"
LAST_SEEN = "identity_last_seen"
# Touching the idle clock on every request would turn every page view into a
# session write; once a minute is precise enough for a limit counted in minutes.
LAST_SEEN_RESOLUTION_SECONDS = 60


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type:
        from portal.models import UserSession

        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        instance = super().create_model_instance(data)
        try:
            user_id: int | None = int(data.get(SESSION_KEY))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            user_id = None
        # The instance is a UserSession (see get_model_class), which records whose session it is.
        instance.user_id = user_id  # type: ignore[attr-defined]
        return instance


def end_other_sessions(*, user_id: int, keep_session_key: str | None) -> int:
    """Delete every session of the user except the one that asked (signs them out everywhere else)."""
    from portal.models import UserSession

    sessions = UserSession.objects.filter(user_id=user_id)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    count, _ = sessions.delete()
    return count


def start_clock(request: HttpRequest) -> None:
    """Stamp a fresh sign-in: the absolute age counts from here."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def expired_reason(request: HttpRequest) -> str | None:
    """Why the signed-in session must end now ("age" or "idle"), or None; touches the idle clock."""
    session = request.session
    now = time.time()
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        # A session from before these limits existed: its clock starts now.
        start_clock(request)
        return None
    last_seen = session.get(LAST_SEEN, signed_in_at)
    if not isinstance(last_seen, int | float):
        last_seen = signed_in_at
    if now - signed_in_at > settings.SESSION_MAX_AGE_HOURS * 3600:
        return "age"
    if now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN] = now
    return None
