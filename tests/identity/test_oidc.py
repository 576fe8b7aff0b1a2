"""Single sign-on against the local OIDC provider, through the whole code path."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal.models import AuditEvent, ExternalIdentity, UserProfile
from tests.factories import UserFactory
from tests.identity.conftest import PASSWORD, sso_sign_in, start_sso

User = get_user_model()


def _signed_in(client) -> bool:
    return client.get("/profile/").status_code == 200


def test_the_login_page_offers_the_provider_above_the_password_form(client, idp, db):
    page = client.get("/login/").content.decode()
    assert "Sign in with Test IdP" in page
    assert page.index("Sign in with Test IdP") < page.index('name="password"')


def test_without_oidc_settings_there_is_no_sso(client, db):
    assert "Sign in with" not in client.get("/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_discovery_is_fetched_when_first_needed_and_then_cached(client, idp, db):
    assert idp.discovery_fetches == 0  # configuring and importing the portal fetched nothing
    client.get("/login/")
    assert idp.discovery_fetches == 0
    assert sso_sign_in(client).status_code == 302
    assert idp.discovery_fetches == 1
    client.post("/logout/")
    assert sso_sign_in(client).status_code == 302
    assert idp.discovery_fetches == 1


def test_explicit_endpoints_win_over_discovery(client, idp, settings, db):
    settings.OIDC_AUTHORIZATION_ENDPOINT = f"{idp.issuer}/authorize-alt"
    settings.OIDC_TOKEN_ENDPOINT = f"{idp.issuer}/token"
    settings.OIDC_JWKS_ENDPOINT = f"{idp.issuer}/jwks"
    settings.OIDC_USERINFO_ENDPOINT = f"{idp.issuer}/userinfo"
    response = client.get("/oidc/authenticate/")
    assert response["Location"].startswith(f"{idp.issuer}/authorize-alt?")
    assert client.get(start_sso(client)).status_code == 302
    assert "/authorize-alt" in idp.paths
    assert idp.discovery_fetches == 0  # everything was configured: no discovery at all


def test_the_first_sign_in_creates_the_user_with_mapped_roles_and_claims(client, idp, db):
    before = client.session.session_key
    response = sso_sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(external_identities__subject="alice-0001", external_identities__issuer=idp.issuer)
    assert user.username == "alice"
    assert (user.first_name, user.last_name, user.email) == ("Alice", "Martin", "alice@example.org")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Administrator"]
    assert user.is_staff
    assert not user.is_superuser
    assert UserProfile.objects.get(user=user).timezone == "Europe/Paris"
    assert client.session.session_key != before
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="auth.sso_login")
    assert event.actor_id == user.pk
    assert event.changes["roles"] == ["Administrator"]
    assert event.changes["claim_values"] == ["portal-admins"]
    assert event.changes["subject"] == "alice-0001"


def test_roles_follow_the_claim_at_every_sign_in_but_hand_granted_roles_stay(client, idp, db):
    sso_sign_in(client)
    user = User.objects.get(username="alice")
    user.groups.add(Group.objects.get(name="Auditor"))  # not named by the role map
    client.post("/logout/")
    idp.next_claims["groups"] = ["dpo", "sre", "unmapped-group"]
    assert sso_sign_in(client).status_code == 302
    assert sorted(user.groups.values_list("name", flat=True)) == [
        "Auditor",
        "Compliance Officer",
        "Incident Responder",
    ]
    user.refresh_from_db()
    assert not user.is_staff
    assert ExternalIdentity.objects.filter(user=user).count() == 1


def test_users_are_matched_by_subject_never_by_username_or_email(client, idp, db):
    local = UserFactory(username="alice", email="alice@example.org")
    sso_sign_in(client)
    created = User.objects.get(external_identities__subject="alice-0001")
    assert created.pk != local.pk
    assert created.username == "alice-2"
    local.refresh_from_db()
    assert local.has_usable_password()
    assert not local.groups.exists()


def test_a_user_whose_claims_map_to_no_role_is_told_so(client, idp, db):
    idp.next_claims["groups"] = ["marketing"]
    response = sso_sign_in(client)
    assert response["Location"] == "/account/no-role/"
    page = client.get("/account/no-role/").content.decode()
    assert "no role in the portal" in page
    assert "marketing" in page
    assert not User.objects.get(username="alice").groups.exists()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("signature", "signature does not verify"),
        ("audience", "wrong audience"),
        ("expired", "has expired"),
        ("issuer", "another issuer"),
        ("nonce", "nonce does not match"),
    ],
)
def test_tampered_id_tokens_are_refused_and_sign_nobody_in(client, idp, db, tamper, message):
    idp.tamper = tamper
    users, events = User.objects.count(), AuditEvent.objects.count()
    response = sso_sign_in(client)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == users
    assert not ExternalIdentity.objects.exists()
    assert list(
        AuditEvent.objects.values_list("action", flat=True)[: AuditEvent.objects.count() - events]
    ) == ["auth.sso_failed"]
    assert not _signed_in(client)
    assert not AccessAttempt.objects.exists()  # SSO refusals guess no password


def test_a_replayed_id_token_from_an_earlier_sign_in_is_refused(client, idp, db):
    assert sso_sign_in(client).status_code == 302
    client.post("/logout/")
    idp.tamper = "replay"  # the token endpoint hands back the first ID token (its nonce is spent)
    response = sso_sign_in(client)
    assert response.status_code == 400
    assert "nonce does not match" in response.content.decode()
    assert not _signed_in(client)


def test_a_callback_used_twice_is_refused_the_second_time(client, idp, db):
    callback = start_sso(client)
    assert client.get(callback).status_code == 302
    client.post("/logout/")
    events = AuditEvent.objects.count()
    response = client.get(callback)
    assert response.status_code == 400
    assert "unknown state" in response.content.decode()
    assert not _signed_in(client)
    assert AuditEvent.objects.count() == events + 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?code=abc", "no state or no code"),
        ("?state=abc", "no state or no code"),
        ("?code=abc&state=never-issued", "unknown state"),
        ("", "no state or no code"),
    ],
)
def test_malformed_callbacks_get_400_with_a_reason(client, idp, db, query, message):
    users = User.objects.count()
    response = client.get(f"/oidc/callback/{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == users
    assert AuditEvent.objects.filter(action="auth.sso_failed").count() == 1


def test_provider_error_parameters_are_shown_and_sign_nobody_in(client, idp, db):
    idp.deny = "access_denied"
    response = sso_sign_in(client)
    assert response.status_code == 400
    body = response.content.decode()
    assert "access_denied" in body
    assert "The user said no" in body
    assert not User.objects.filter(username="alice").exists()
    assert (
        AuditEvent.objects.get(action="auth.sso_failed")
        .changes["reason"]
        .startswith("The identity provider refused")
    )


def test_an_unreachable_provider_is_a_502_not_a_500(client, idp, settings, db):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()


def test_sign_out_ends_the_session_and_goes_to_the_providers_end_session(client, idp, settings, db):
    sso_sign_in(client)
    id_token = idp.issued_id_tokens[-1]
    response = client.post("/logout/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.issuer}/logout"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == settings.SITE_URL + "/login/"
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="auth.logout").exists()


def test_password_users_sign_out_to_the_login_page(client, idp, responder):
    client.post("/login/", {"username": "responder", "password": PASSWORD})
    response = client.post("/logout/")
    assert response["Location"] == "/login/"


def test_provider_amr_with_a_second_factor_satisfies_the_mfa_rule(client, idp, mfa_on, db):
    idp.amr = ["pwd", "mfa"]
    response = sso_sign_in(client)
    assert response["Location"] == "/"
    assert client.get("/admin/").status_code == 200


def test_without_amr_an_mfa_role_enrols_like_a_local_user(client, idp, mfa_on, db):
    idp.amr = ["pwd"]
    response = sso_sign_in(client)
    assert response["Location"].startswith("/mfa/setup/")
    assert client.get("/").status_code == 302
    page = client.get("/mfa/setup/").content.decode()
    assert "Set up an authenticator" in page
    assert "in the last 15 minutes" in page  # no portal password: a recent SSO sign-in proves it
    assert client.post("/mfa/setup/", {"action": "begin"}).status_code == 302
    assert "<svg" in client.get("/mfa/setup/").content.decode()


def test_password_login_none_removes_the_password_door(client, idp, settings, responder):
    settings.PASSWORD_LOGIN = "none"
    page = client.get("/login/").content.decode()
    assert 'name="password"' not in page
    response = client.post("/login/", {"username": "responder", "password": PASSWORD})
    assert response.status_code == 200
    assert "Password sign-in is turned off" in response.content.decode()
    assert not _signed_in(client)
    assert client.get("/admin/login/")["Location"].startswith("/login/")


def test_password_login_admins_only_keeps_a_password_for_staff(client, idp, settings, responder, admin_user):
    settings.PASSWORD_LOGIN = "admins-only"
    assert "only for administrator accounts" in client.get("/login/").content.decode()
    refused = client.post("/login/", {"username": "responder", "password": PASSWORD})
    assert refused.status_code == 200
    assert not _signed_in(client)
    assert client.post("/login/", {"username": "admin", "password": PASSWORD}).status_code == 302
    assert _signed_in(client)


def test_a_deactivated_account_is_refused(client, idp, db):
    sso_sign_in(client)
    User.objects.filter(username="alice").update(is_active=False)
    client.post("/logout/")
    response = sso_sign_in(client)
    assert response.status_code == 400
    assert "deactivated" in response.content.decode()
    assert not _signed_in(client)
