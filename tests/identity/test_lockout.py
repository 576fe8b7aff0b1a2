"""One lockout for the web login, the admin login and the token endpoint, per account and address."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from portal.management.commands.unlock import Command as UnlockCommand
from portal.models import AuditEvent, UserProfile
from tests.identity.conftest import PASSWORD

A, B = "198.51.100.7", "203.0.113.20"


@pytest.fixture(autouse=True)
def _small_limit(settings) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_COOLOFF_MINUTES = 15


def web(client, password: str, ip: str = A, username: str = "responder", **headers):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def admin_door(client, password: str, ip: str = A, username: str = "responder"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def api_door(api, password: str, ip: str = A, username: str = "responder"):
    return api.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def _expected_lift_text(username: str, zone: str) -> str:
    last = AccessAttempt.objects.filter(username=username).order_by("-attempt_time").first()
    until = last.attempt_time + timedelta(minutes=15)
    rounded = until.replace(second=0, microsecond=0)
    if rounded < until:
        rounded += timedelta(minutes=1)
    return rounded.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def test_the_web_login_locks_the_account_from_one_address_only(client, responder):
    UserProfile.objects.create(user=responder, timezone="Asia/Tokyo")
    assert [web(client, "wrong").status_code for _ in range(2)] == [200, 200]
    locked = web(client, "wrong")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "try again after" in body
    assert _expected_lift_text("responder", "Asia/Tokyo") in body
    assert "(Asia/Tokyo)" in body
    assert int(locked["Retry-After"]) > 14 * 60
    # the right password from the attacker's address is refused too ...
    assert web(client, PASSWORD).status_code == 429
    assert client.get("/profile/").status_code == 302
    # ... while the real user elsewhere signs in
    assert web(client, PASSWORD, ip=B).status_code == 302
    assert client.get("/profile/").status_code == 200


def test_the_lockout_is_audited_with_its_end(client, responder):
    for _ in range(3):
        web(client, "wrong")
    event = AuditEvent.objects.filter(action="auth.locked_out").order_by("sequence").first()
    assert event.changes["username"] == "responder"
    assert event.changes["locked_until"]
    assert event.ip == A
    assert AuditEvent.objects.filter(action="auth.login_failed", object_repr="responder").count() == 3
    recorded = AccessAttempt.objects.get(username="responder").post_data
    assert "wrong" not in recorded  # axes keeps the form data, with the secrets masked


def test_the_admin_login_is_the_same_door(client, responder, admin_user):
    for _ in range(2):
        assert admin_door(client, "wrong", username="admin").status_code == 200
    assert admin_door(client, "wrong", username="admin").status_code == 429
    assert admin_door(client, PASSWORD, username="admin").status_code == 429
    assert web(client, PASSWORD, username="admin").status_code == 429  # shared with the web login
    assert admin_door(client, PASSWORD, username="admin", ip=B).status_code == 302


def test_the_token_endpoint_shares_the_count_and_answers_json(client, api, responder):
    web(client, "wrong")
    admin_door(client, "wrong")
    locked = api_door(api, "wrong")
    assert locked.status_code == 429
    body = locked.json()
    assert "Try again after" in body["detail"]
    assert body["locked_until"].endswith("Z")
    assert locked["Retry-After"]
    refused = api_door(api, PASSWORD)
    assert refused.status_code == 429
    assert api_door(api, PASSWORD, ip=B).status_code == 201


def test_forged_forwarding_headers_change_nothing_without_trusted_proxies(client, responder, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(3):
        web(client, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert web(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {A}
    assert set(AuditEvent.objects.filter(action="auth.login_failed").values_list("ip", flat=True)) == {A}


def test_behind_one_trusted_proxy_the_address_it_saw_is_used(client, responder, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.5"
    attacker, real_user = "203.0.113.66", "203.0.113.77"
    for n in range(3):
        # whatever the attacker prepends, the proxy appends the address it saw
        web(client, "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=f"{real_user}, 192.0.2.{n}, {attacker}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {attacker}
    assert web(client, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=attacker).status_code == 429
    assert web(client, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=real_user).status_code == 302
    assert AuditEvent.objects.filter(action="auth.login").latest("sequence").ip == real_user


def test_the_lockout_lifts_after_the_cool_off(client, responder):
    for _ in range(3):
        web(client, "wrong")
    assert web(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert web(client, PASSWORD).status_code == 302


def test_other_accounts_from_the_same_address_are_not_locked(client, responder, teammate):
    for _ in range(3):
        web(client, "wrong")
    assert web(client, PASSWORD, username="teammate").status_code == 302


def test_manage_py_unlock_lifts_it(client, responder, capsys):
    for _ in range(3):
        web(client, "wrong")
    call_command("unlock", "responder")
    assert "Lifted the lockout of responder" in capsys.readouterr().out
    assert web(client, PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action="auth.lockout_lifted")
    assert event.changes["via"] == "manage.py unlock"
    assert event.changes["addresses"] == [A]


def test_manage_py_unlock_of_an_unknown_user_exits_2_with_one_line(db, capsys):
    with pytest.raises(SystemExit) as exited:
        UnlockCommand().run_from_argv(["manage.py", "unlock", "ghost"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "no user named 'ghost'" in err


def test_administrators_list_and_lift_lockouts_in_the_admin(client, responder, admin_user):
    for _ in range(3):
        web(client, "wrong")
    client.force_login(admin_user)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "responder" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="responder")
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "lift_lockouts", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get(action="auth.lockout_lifted").actor_id == admin_user.pk
    client.logout()
    assert web(client, PASSWORD).status_code == 302


def test_the_administrator_role_may_lift_lockouts(db):
    from tests.factories import UserFactory

    administrator = UserFactory(username="cfg-admin", role="Administrator", is_staff=True)
    assert administrator.has_perms(["axes.view_accessattempt", "axes.delete_accessattempt"])
