"""Deadlines of local-time rules are shown as the regime's wall clock, with its zone, and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from compliance.choices import ReminderKind
from compliance.models import Obligation
from compliance.reminders import _message
from portal.models import UserProfile
from portal.timezones import zoned_time


def _gdpr(breach) -> Obligation:
    return Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")


def test_the_obligation_page_shows_berlin_time_and_utc(client, compliance_officer, assessed, breach):
    obligation = _gdpr(breach)
    assert obligation.deadline_timezone == "Europe/Berlin"
    Obligation.objects.filter(pk=obligation.pk).update(due_at=datetime(2026, 12, 5, 3, 15, tzinfo=UTC))
    # The viewer's own zone is another one: the regime line must not follow it.
    UserProfile.objects.update_or_create(user=compliance_officer, defaults={"timezone": "Asia/Tokyo"})
    client.force_login(compliance_officer)
    page = client.get(f"/compliance/obligations/{obligation.pk}/").content.decode()
    assert "Regime time zone Europe/Berlin: Sat 5 Dec 2026, 04:15 CET (03:15 UTC)" in page
    assert "2026-12-05T03:15:00+00:00</div>" not in page


def test_summer_time_and_the_end_of_a_local_day():
    assert zoned_time(datetime(2026, 7, 1, 21, 59, 59, tzinfo=UTC), "Europe/Berlin") == (
        "Wed 1 Jul 2026, 23:59:59 CEST (21:59:59 UTC)"
    )
    # The UTC part names its date when it is another day than the local one.
    assert zoned_time(datetime(2026, 12, 5, 3, 15, tzinfo=UTC), "America/New_York") == (
        "Fri 4 Dec 2026, 22:15 EST (Sat 5 Dec 2026, 03:15 UTC)"
    )
    # A zone without an abbreviation shows its offset; UTC is not repeated.
    assert zoned_time(datetime(2026, 12, 5, 3, 15, tzinfo=UTC), "America/Sao_Paulo") == (
        "Sat 5 Dec 2026, 00:15 UTC-03:00 (03:15 UTC)"
    )
    assert zoned_time(datetime(2026, 12, 5, 3, 15, tzinfo=UTC), "UTC") == "Sat 5 Dec 2026, 03:15 UTC"


def test_the_reminder_mail_shows_the_regime_time_and_utc_and_links_to_site_url(settings, assessed, breach):
    settings.SITE_URL = "http://portal.example:8123"
    obligation = _gdpr(breach)
    obligation.due_at = datetime(2026, 12, 5, 3, 15, tzinfo=UTC)
    subject, body = _message(obligation, ReminderKind.DUE_IN_4H)
    assert "due Sat 5 Dec 2026, 04:15 CET (03:15 UTC)" in subject
    assert "Due: Sat 5 Dec 2026, 04:15 CET (03:15 UTC)" in body
    assert f"http://portal.example:8123/compliance/obligations/{obligation.pk}/" in body
