"""The second factor: enrolment, the code page, recovery codes, removal, the admin and the token rule."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import ApiToken, AuditEvent, UserSession
from tests.identity.conftest import PASSWORD, password_login, totp_now

pytestmark = pytest.mark.usefixtures("mfa_on")


def _allow_next_code(device: TOTPDevice) -> None:
    """Stand in for the passing of time: forget the last accepted step and the throttle."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()


def _enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    assert client.post("/mfa/setup/", {"action": "begin", "password": PASSWORD}).status_code == 302
    device = TOTPDevice.objects.get(confirmed=False)
    client.post("/mfa/setup/", {"action": "confirm", "code": totp_now(device)})
    device.refresh_from_db()
    page = client.get("/mfa/setup/").content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", page)
    return device, codes


@pytest.fixture
def enrolled(client, compliance_officer):
    """The compliance officer with a confirmed authenticator; the client signed out again."""
    password_login(client, "compliance")
    device, codes = _enrol(client)
    client.post("/logout/")
    _allow_next_code(device)
    return device, codes


def test_an_mfa_role_without_a_device_is_sent_to_enrolment_after_the_password(client, compliance_officer):
    response = password_login(client, "compliance")
    assert response["Location"] == "/mfa/setup/?next=%2F"
    assert client.get("/incidents/")["Location"].startswith("/mfa/setup/")
    api = client.get("/api/v1/incidents/")
    assert api.status_code == 403
    assert "second factor" in api.json()["detail"]


def test_roles_outside_the_setting_sign_in_with_a_password_alone(client, responder):
    assert password_login(client, "responder")["Location"] == "/"
    assert client.get("/incidents/").status_code == 200


def test_enrolment_needs_the_current_password(client, compliance_officer):
    password_login(client, "compliance")
    client.post("/mfa/setup/", {"action": "begin", "password": "wrong"}, follow=True)
    assert not TOTPDevice.objects.exists()
    assert client.post("/mfa/setup/", {"action": "begin"}).status_code == 302
    assert not TOTPDevice.objects.exists()


def test_enrolment_shows_an_svg_qr_code_and_the_secret_then_ten_codes_once(client, compliance_officer):
    password_login(client, "compliance")
    key_before = client.session.session_key
    client.post("/mfa/setup/", {"action": "begin", "password": PASSWORD})
    device = TOTPDevice.objects.get(user=compliance_officer, confirmed=False)
    page = client.get("/mfa/setup/").content.decode()
    assert "<svg" in page
    assert "<path" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret) == device.bin_key
    wrong = client.post("/mfa/setup/", {"action": "confirm", "code": "000000"}, follow=True)
    assert "does not match" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    _allow_next_code(device)
    client.post("/mfa/setup/", {"action": "confirm", "code": totp_now(device)})
    device.refresh_from_db()
    assert device.confirmed
    first = client.get("/mfa/setup/").content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", first)
    assert len(codes) == len(set(codes)) == 10
    assert not re.findall(r"<li>([a-z2-7]{8})</li>", client.get("/mfa/setup/").content.decode())
    assert client.session.session_key != key_before  # rotated after the factor was verified
    assert client.get("/").status_code == 200  # verified by the enrolment itself
    assert AuditEvent.objects.filter(action="mfa.enrolled", actor=compliance_officer).exists()


def test_the_next_sign_in_asks_for_a_code_and_refuses_wrong_or_reused_ones(
    client, compliance_officer, enrolled
):
    device, _ = enrolled
    assert password_login(client, "compliance")["Location"] == "/mfa/verify/?next=%2F"
    assert client.get("/")["Location"].startswith("/mfa/verify/")
    wrong = client.post("/mfa/verify/", {"code": "123456" if totp_now(device) != "123456" else "654321"})
    assert wrong.status_code == 400
    assert "not valid" in wrong.content.decode()
    assert client.get("/").status_code == 302
    _allow_next_code(device)
    code = totp_now(device)
    key_before = client.session.session_key
    ok = client.post("/mfa/verify/", {"code": code, "next": "/incidents/"})
    assert ok["Location"] == "/incidents/"
    assert client.session.session_key != key_before
    assert client.get("/incidents/").status_code == 200
    # the same code again, in another browser, is refused: a TOTP step counts once
    other = Client()
    password_login(other, "compliance")
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    reused = other.post("/mfa/verify/", {"code": code})
    assert reused.status_code == 400
    assert other.get("/").status_code == 302
    actions = list(AuditEvent.objects.filter(action__startswith="mfa.").values_list("action", flat=True))
    assert actions.count("mfa.failed") == 2
    assert "mfa.verified" in actions


def test_wrong_codes_are_throttled_with_a_clear_message(client, compliance_officer, enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = (
        600  # the wait after one wrong code: ten minutes, whatever the clock does
    )
    device, _ = enrolled
    password_login(client, "compliance")
    client.post("/mfa/verify/", {"code": "000001"})
    throttled = client.post("/mfa/verify/", {"code": totp_now(device)})
    assert throttled.status_code == 400
    assert "Too many wrong codes" in throttled.content.decode()


def test_each_recovery_code_works_once(client, compliance_officer, enrolled):
    _, codes = enrolled
    assert len(codes) == 10
    for code in codes:
        browser = Client()
        password_login(browser, "compliance")
        assert browser.post("/mfa/verify/", {"code": code.upper()})["Location"] == "/", code
        assert browser.get("/").status_code == 200
    assert StaticToken.objects.count() == 0
    again = Client()
    password_login(again, "compliance")
    assert again.post("/mfa/verify/", {"code": codes[0]}).status_code == 400


def test_removal_needs_the_password_and_a_verified_session_and_ends_other_sessions(
    client, compliance_officer
):
    password_login(client, "compliance")
    device, _ = _enrol(client)
    other = Client()
    password_login(other, "compliance")
    _allow_next_code(device)
    other.post("/mfa/verify/", {"code": totp_now(device)})
    assert other.get("/").status_code == 200
    # an unverified session (password only) cannot remove the factor, even with the password
    thief = Client()
    password_login(thief, "compliance")
    thief.post("/mfa/setup/", {"action": "remove", "password": PASSWORD})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    client.post("/mfa/setup/", {"action": "remove", "password": "wrong"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    response = client.post("/mfa/setup/", {"action": "remove", "password": PASSWORD})
    assert response["Location"] == "/mfa/setup/"  # the role still needs one
    assert not TOTPDevice.objects.exists()
    assert other.get("/")["Location"].startswith("/login/")
    assert UserSession.objects.filter(user_id=compliance_officer.pk).count() == 1
    assert AuditEvent.objects.filter(action="mfa.removed", actor=compliance_officer).exists()
    # a code from the removed device is worth nothing
    stale = client.post("/mfa/verify/", {"code": totp_now(device)})
    assert stale.status_code == 400
    assert client.get("/")["Location"].startswith("/mfa/setup/")


def test_the_admin_requires_a_verified_second_factor_for_mfa_roles(client, admin_user):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith("/mfa/")
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = admin_user
    request.session = client.session
    admin_user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    _enrol(client)
    assert client.get("/admin/").status_code == 200
    admin_user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def _token(api, otp: str | None = None, username: str = "compliance"):
    body = {"username": username, "password": PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return api.post("/api/v1/auth/token/", body, format="json")


def test_the_token_endpoint_wants_a_code_from_mfa_roles(api, compliance_officer, enrolled):
    device, codes = enrolled
    alone = _token(api)
    assert alone.status_code == 400
    assert "otp" in alone.json()["detail"]
    wrong = _token(api, "000000" if totp_now(device) != "000000" else "111111")
    assert wrong.status_code == 400
    assert wrong.json() == {"detail": "The one-time code is not valid, or it was already used."}
    _allow_next_code(device)
    code = totp_now(device)
    issued = _token(api, code)
    assert issued.status_code == 201
    assert "token" in issued.json()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert _token(api, code).status_code == 400  # reused
    assert _token(api, codes[0]).status_code == 201  # a recovery code works once too
    assert ApiToken.objects.filter(user=compliance_officer).count() == 2


def test_an_mfa_role_without_a_device_gets_no_token(api, compliance_officer):
    refused = _token(api)
    assert refused.status_code == 400
    assert "set up an authenticator" in refused.json()["detail"]
    assert not ApiToken.objects.exists()


def test_other_roles_still_get_a_token_with_a_password(api, responder):
    assert _token(api, username="responder").status_code == 201


def test_password_change_ends_the_other_sessions(client, responder):
    password_login(client, "responder")
    other = Client()
    password_login(other, "responder")
    key_before = client.session.session_key
    new_password = "a new and long passphrase 42"
    refused = client.post(
        "/account/password/",
        {"password": "wrong", "new_password1": new_password, "new_password2": new_password},
    )
    assert refused.status_code == 302
    assert other.get("/").status_code == 200
    client.post(
        "/account/password/",
        {"password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    responder.refresh_from_db()
    assert responder.check_password(new_password)
    assert client.get("/").status_code == 200
    assert client.session.session_key != key_before
    assert other.get("/")["Location"].startswith("/login/")
    assert AuditEvent.objects.filter(action="auth.password_changed").count() == 1
