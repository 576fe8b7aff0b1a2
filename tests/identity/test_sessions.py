"""Session key rotation, absolute age and idle limits (on the stored timestamps, no sleeping)."""

from __future__ import annotations

import time

from portal.identity.sessions import LAST_SEEN, SIGNED_IN_AT, SessionStore
from portal.models import AuditEvent, UserSession
from tests.identity.conftest import password_login


def _set(client, **values: float) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_the_session_key_rotates_at_sign_in(client, responder):
    anonymous = client.session
    anonymous["cart"] = "kept"
    anonymous.save()
    before = anonymous.session_key
    password_login(client, "responder")
    after = client.session.session_key
    assert after != before
    assert not SessionStore().exists(before)
    assert UserSession.objects.get(session_key=after).user_id == responder.pk


def test_an_idle_session_ends(client, responder):
    client.force_login(responder)
    _set(client, **{LAST_SEEN: time.time() - 61 * 60})
    response = client.get("/incidents/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fincidents%2F"
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.get(action="auth.session_expired").changes == {"reason": "idle"}


def test_a_session_past_its_maximum_age_ends_even_when_active(client, responder):
    client.force_login(responder)
    _set(client, **{SIGNED_IN_AT: time.time() - 13 * 3600, LAST_SEEN: time.time()})
    assert client.get("/")["Location"].startswith("/login/")
    assert AuditEvent.objects.get(action="auth.session_expired").changes == {"reason": "age"}


def test_a_session_within_both_limits_goes_on_and_its_idle_clock_moves(client, responder):
    client.force_login(responder)
    idle_since = time.time() - 59 * 60
    _set(client, **{SIGNED_IN_AT: time.time() - 11 * 3600, LAST_SEEN: idle_since})
    assert client.get("/").status_code == 200
    assert client.session[LAST_SEEN] > idle_since + 50 * 60


def test_the_limits_come_from_the_settings(client, responder, settings):
    settings.SESSION_IDLE_MINUTES = 5
    settings.SESSION_MAX_AGE_HOURS = 1
    client.force_login(responder)
    _set(client, **{LAST_SEEN: time.time() - 6 * 60})
    assert client.get("/").status_code == 302
    client.force_login(responder)
    _set(client, **{SIGNED_IN_AT: time.time() - 3700})
    assert client.get("/").status_code == 302


def test_an_expired_session_no_longer_reaches_the_api(client, responder):
    client.force_login(responder)
    assert client.get("/api/v1/incidents/").status_code == 200
    _set(client, **{LAST_SEEN: time.time() - 2 * 3600})
    assert client.get("/api/v1/incidents/").status_code in (401, 403)
