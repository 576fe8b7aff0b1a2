from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from icalendar import Calendar

from compliance import services
from compliance.models import LegalEntity, Obligation, ObligationReminder
from compliance.reminders import send_deadline_reminders
from portal.models import AuditEvent
from tests.compliance.conftest import _make_assessed


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_deadline_feed_holds_every_open_obligation_with_the_default_alarms(
    api_as, compliance_officer, assessed, breach
):
    response = api_as(compliance_officer).get("/api/v1/compliance/deadlines.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = {str(event["uid"]).split("@")[0]: event for event in Calendar.from_ical(response.content).walk("VEVENT")}
    open_ones = list(Obligation.objects.filter(incident=breach, status="open"))
    assert any(o.due_at is None for o in open_ones), "the case should include an urgent obligation"
    assert sorted(events) == sorted(f"obligation-{o.pk}" for o in open_ones)
    for obligation in open_ones:
        event = events[f"obligation-{obligation.pk}"]
        alarms = [alarm.decoded("trigger") for alarm in event.walk("VALARM")]
        if obligation.due_at is None:
            assert str(event["summary"]).startswith(f"URGENT: {obligation.code}")
            assert event.decoded("dtstart") == obligation.clock_start
            assert alarms == []
        else:
            assert str(event["summary"]) == f"{obligation.code} due - {breach.reference}"
            assert event.decoded("dtstart") == obligation.due_at
            assert alarms == [timedelta(hours=-24), timedelta(hours=-4)]


def test_the_feed_carries_the_alarms_chosen_on_the_profile_and_links_to_site_url(
    settings, client, api_as, compliance_officer, assessed, breach
):
    settings.SITE_URL = "http://portal.example:8123"
    client.force_login(compliance_officer)
    assert client.post("/profile/", {"action": "alarms", "deadline_alarms": "2d, 90m"}).status_code == 302
    calendar = Calendar.from_ical(api_as(compliance_officer).get("/api/v1/compliance/deadlines.ics").content)
    timed = [event for event in calendar.walk("VEVENT") if not str(event["summary"]).startswith("URGENT")]
    assert timed
    for event in timed:
        assert [alarm.decoded("trigger") for alarm in event.walk("VALARM")] == [
            timedelta(days=-2),
            timedelta(minutes=-90),
        ]
    for event in calendar.walk("VEVENT"):
        assert str(event["url"]).startswith("http://portal.example:8123/compliance/obligations/")

    assert client.post("/profile/", {"action": "alarms", "deadline_alarms": ""}).status_code == 302
    calendar = Calendar.from_ical(api_as(compliance_officer).get("/api/v1/compliance/deadlines.ics").content)
    assert [alarm for event in calendar.walk("VEVENT") for alarm in event.walk("VALARM")] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "“soon” is not a time before the deadline"),
        ("-4h", "“-4h” is not a time before the deadline"),
        ("0h", "“0h” is out of range"),
        ("15d", "“15d” is out of range"),
        ("4h, 240m", "“240m” is given twice"),
        ("1h, 2h, 3h, 4h, 5h, 6h", "at most 5 alarms"),
    ],
)
def test_the_profile_refuses_bad_alarms_next_to_the_field(client, compliance_officer, text, message):
    from portal.models import UserProfile

    client.force_login(compliance_officer)
    response = client.post("/profile/", {"action": "alarms", "deadline_alarms": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_deadline_alarms_error"' in page
    assert message in page.replace("&#x27;", "'")
    profile = UserProfile.objects.filter(user=compliance_officer).first()
    assert profile is None or profile.deadline_alarms == [1440, 240]


def test_the_secret_feed_url_works_without_a_session_and_rotates(api, api_as, compliance_officer, assessed):
    client = api_as(compliance_officer)
    first = client.post("/api/v1/compliance/deadlines/feed/").json()["url"]
    api.force_authenticate(None)
    anonymous = api
    path = first.split("testserver", 1)[1]
    assert anonymous.get(path).status_code == 200
    second = api_as(compliance_officer).post("/api/v1/compliance/deadlines/feed/").json()["url"]
    anonymous.force_authenticate(None)
    assert anonymous.get(path).status_code == 401
    assert anonymous.get(second.split("testserver", 1)[1]).status_code == 200
    assert anonymous.get("/api/v1/compliance/deadlines.ics?token=wrong").status_code == 401


def test_the_feed_hides_restricted_incidents_from_outsiders(api_as, outsider, responder, assessed, breach):
    from incidents import services as incident_services

    before = api_as(outsider).get("/api/v1/compliance/deadlines.ics")
    assert before.status_code == 200
    # Urgent and timed obligations alike, while the incident is open to everyone.
    assert len(list(Calendar.from_ical(before.content).walk("VEVENT"))) == Obligation.objects.filter(
        incident=breach, status="open"
    ).count()
    incident_services.incident_update(incident=breach, actor=responder, data={"is_restricted": True})
    response = api_as(outsider).get("/api/v1/compliance/deadlines.ics")
    assert response.status_code == 200
    assert list(Calendar.from_ical(response.content).walk("VEVENT")) == []


def test_the_breach_register_lists_every_assessed_incident(
    api_as, compliance_officer, auditor, assessed, breach, bank
):
    services.assessment_save(
        incident=breach, actor=compliance_officer, data={"risk_rationale": "=HYPERLINK(1)"}
    )
    response = api_as(auditor).get("/api/v1/compliance/register.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["incident"] for row in rows] == [breach.reference]
    assert rows[0]["entity"] == bank.name
    assert rows[0]["risk"] == "high"
    assert rows[0]["risk_rationale"] == "'=HYPERLINK(1)"
    assert "GDPR/supervisory-authority (open)" in rows[0]["obligations"]
    assert AuditEvent.objects.filter(action="register.exported", actor=auditor).exists()


def test_reminders_go_out_once_per_threshold(
    immediate_tasks, compliance_officer, assessed, breach, django_capture_on_commit_callbacks
):
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    obligation.due_at = timezone.now() + timedelta(hours=20)
    Obligation.objects.filter(pk=obligation.pk).update(due_at=obligation.due_at)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_deadline_reminders", stdout=io.StringIO())
        call_command("send_deadline_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert "GDPR/supervisory-authority" in mail.outbox[0].subject
    assert mail.outbox[0].to == [compliance_officer.email]
    # The reminders belong to a due time: the same due time never gets the next-threshold mail twice.
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders(now=obligation.due_at - timedelta(hours=3))
        send_deadline_reminders(now=obligation.due_at + timedelta(minutes=1))
        send_deadline_reminders(now=obligation.due_at + timedelta(minutes=2))
    assert [m.subject.split("]")[0] for m in mail.outbox] == ["[Due soon", "[Due soon", "[OVERDUE"]


def test_a_first_run_close_to_the_deadline_sends_one_mail(
    immediate_tasks, compliance_officer, assessed, breach, django_capture_on_commit_callbacks
):
    Obligation.objects.filter(incident=breach, code="GDPR/supervisory-authority").update(
        due_at=timezone.now() + timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders()
    assert len(mail.outbox) == 1
    assert set(ObligationReminder.objects.values_list("kind", flat=True)) == {"due_4h", "due_24h"}


def test_reminders_are_queued_for_the_database_worker(
    tx_db, compliance_officer, assessed, breach, django_capture_on_commit_callbacks
):
    # Transactional: the worker closes its database connection when it is done,
    # which a test wrapped in a transaction cannot survive on PostgreSQL.
    Obligation.objects.filter(incident=breach, code="GDPR/supervisory-authority").update(
        due_at=timezone.now() + timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders()
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    assert len(mail.outbox) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections to a server")
def test_overlapping_runs_send_each_reminder_once(tx_db, immediate_tasks, compliance_officer, responder):
    bank = LegalEntity.objects.create(
        name="Bank", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    obligation = _make_assessed(responder, bank, compliance_officer)
    Obligation.objects.filter(pk=obligation.pk).update(due_at=timezone.now() + timedelta(hours=10))
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            send_deadline_reminders()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ObligationReminder.objects.filter(obligation=obligation).count() == 1
    assert len(mail.outbox) == 1


def test_exercises_get_no_reminders(immediate_tasks, compliance_officer, responder, assessed, breach):
    from incidents import services as incident_services

    incident_services.incident_update(incident=breach, actor=responder, data={"is_exercise": True})
    send_deadline_reminders()
    assert mail.outbox == []
