from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from portal.audit import GENESIS_HASH, audit_record, verify_chain
from portal.dbtriggers import AUDIT_GUARD, guards_lifted
from portal.models import AuditEvent


def _three_events(user) -> list[AuditEvent]:
    return [
        audit_record(action=f"test.{n}", actor=user, object_type="test", object_id=str(n)) for n in range(3)
    ]


def test_events_chain_onto_each_other(db, responder):
    first, second, third = _three_events(responder)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert verify_chain() == (3, None)


def test_it_records_actor_ip_and_request_id_from_the_request(db, client, responder):
    client.force_login(responder)
    AuditEvent.objects.all().exists()
    client.get("/api/v1/incidents/", HTTP_X_REQUEST_ID="req-12345678")
    # Logging in through force_login sends user_logged_in: that event carries no request context,
    # so look at a write made through the API instead.
    client.post(
        "/api/v1/auth/tokens/",
        {"name": "ci"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-abcdefgh",
        REMOTE_ADDR="203.0.113.9",
    )
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.actor == responder
    assert event.actor_username == "responder"
    assert event.request_id == "req-abcdefgh"
    assert event.ip == "203.0.113.9"


def test_the_database_refuses_updates_of_the_trail(db, responder):
    event = audit_record(action="test.one", actor=responder)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.changed")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.one"


def test_the_database_refuses_deletes_of_the_trail(db, responder):
    event = audit_record(action="test.one", actor=responder)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_postgresql_refuses_truncate_of_the_trail(db, responder):
    audit_record(action="test.one", actor=responder)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE portal_auditevent")
    assert AuditEvent.objects.count() == 1


def test_verify_audit_passes_on_an_intact_chain(db, responder, capsys):
    _three_events(responder)
    call_command("verify_audit")
    assert "3 events verified" in capsys.readouterr().out


def test_verify_audit_names_the_first_tampered_event(db, responder, capsys):
    events = _three_events(responder)
    with guards_lifted(connection, [AUDIT_GUARD]), connection.cursor() as cursor:
        # Flip one character of the second event's recorded action.
        cursor.execute("UPDATE portal_auditevent SET action = 'test.X' WHERE id = %s", [events[1].pk])
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit")
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert f"#{events[1].sequence}" in err
    assert "does not match its hash" in err


def test_verify_audit_detects_a_removed_event(db, responder, capsys):
    events = _three_events(responder)
    with guards_lifted(connection, [AUDIT_GUARD]), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(SystemExit):
        call_command("verify_audit")
    assert f"#{events[2].sequence}" in capsys.readouterr().err


def test_verify_audit_detects_a_rehashed_event_by_the_broken_link(db, responder):
    events = _three_events(responder)
    with guards_lifted(connection, [AUDIT_GUARD]), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditevent SET hash = %s WHERE id = %s", ["f" * 64, events[0].pk])
    checked, broken = verify_chain()
    assert checked == 0
    assert broken is not None
    assert broken.sequence == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections to a server")
def test_concurrent_writers_never_fork_the_chain(tx_db, responder):
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_record(action=f"race.{n}.{i}", actor=None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    checked, broken = verify_chain()
    assert broken is None
    assert checked == AuditEvent.objects.count() >= 40
