from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.models import ApiToken, AuditEvent
from portal.tokens import hash_key


def _obtain(api, username="responder", password="correct horse battery staple", **extra):
    return api.post(
        "/api/v1/auth/token/", {"username": username, "password": password, **extra}, format="json"
    )


def test_a_token_is_issued_for_good_credentials_and_stored_hashed(api, responder):
    response = _obtain(api)
    assert response.status_code == 201
    key = response.json()["token"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.key_hash == hash_key(key)
    assert key not in {token.key_hash, token.prefix}
    assert token.expires_at is not None
    assert token.expires_at > timezone.now()
    assert AuditEvent.objects.filter(action="api_token.created", actor=responder).exists()


def test_the_token_authenticates_api_calls(api, responder):
    key = _obtain(api).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/incidents/").status_code == 200


def test_bad_credentials_get_400_and_an_audited_failure(api, responder):
    response = _obtain(api, password="wrong")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid username or password."}
    assert AuditEvent.objects.filter(action="auth.login_failed", object_repr="responder").exists()


def test_missing_fields_are_named(api, db):
    response = api.post("/api/v1/auth/token/", {"username": "x"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_revoked_and_expired_tokens_are_refused(api, responder):
    key = _obtain(api).json()["token"]
    token = ApiToken.objects.get(key_hash=hash_key(key))
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get("/api/v1/incidents/").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert api.get("/api/v1/incidents/").status_code == 200
    assert api.post(f"/api/v1/auth/tokens/{token.pk}/revoke/").status_code == 200
    assert api.get("/api/v1/incidents/").status_code == 401


def test_unknown_and_malformed_tokens_are_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert api.get("/api/v1/incidents/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Token a b")
    assert api.get("/api/v1/incidents/").status_code == 401


def test_users_see_and_revoke_only_their_own_tokens(api_as, responder, outsider):
    client = api_as(responder)
    mine = client.post("/api/v1/auth/tokens/", {"name": "laptop"}, format="json")
    assert mine.status_code == 201
    assert "token" in mine.json()
    client.force_authenticate(outsider)
    assert client.get("/api/v1/auth/tokens/").json()["results"] == []
    assert client.post(f"/api/v1/auth/tokens/{mine.json()['id']}/revoke/").status_code == 404
    listed = api_as(responder).get("/api/v1/auth/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0]


def test_an_expiry_in_the_past_is_refused(api, responder):
    response = _obtain(api, expires_at="2020-01-01T00:00:00Z")
    assert response.status_code == 400
    assert "expires_at" in response.json()


def test_token_requests_are_throttled(api, responder, settings):
    codes = [_obtain(api, password="wrong").status_code for _ in range(25)]
    assert 429 in codes
