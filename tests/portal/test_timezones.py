"""The time-zone picker: common zones first, real places only, no aliases."""

from __future__ import annotations

from portal.forms import ProfileForm
from portal.models import UserProfile
from portal.timezones import COMMON_ZONES, zone_choices


def _values(groups) -> list[str]:
    return [value for _, options in groups for value, _ in options]


def test_common_zones_come_first_and_no_alias_is_offered():
    groups = zone_choices()
    assert groups[0][0] == "Common"
    assert [value for value, _ in groups[0][1]] == list(COMMON_ZONES)
    values = _values(groups)
    assert "Europe/Berlin" in values
    assert "America/Argentina/Buenos_Aires" in values
    for alias in ("Etc/GMT+1", "US/Eastern", "GB", "Europe/Kiev", "EST5EDT"):
        assert alias not in values


def test_labels_name_the_country_and_the_offset():
    labels = dict(option for _, options in zone_choices() for option in options)
    assert labels["Europe/Berlin"].startswith("Europe/Berlin (Germany, UTC+0")
    assert labels["UTC"] == "UTC (UTC)"


def test_the_profile_refuses_an_alias_and_keeps_a_stored_one(client, responder):
    client.force_login(responder)
    response = client.post("/profile/", {"action": "timezone", "timezone": "Etc/GMT+1"})
    assert response.status_code == 200
    assert 'id="id_timezone_error"' in response.content.decode()
    profile = UserProfile.objects.get(user=responder)
    assert profile.timezone == "UTC"

    assert client.post("/profile/", {"action": "timezone", "timezone": "Europe/Berlin"}).status_code == 302
    profile.refresh_from_db()
    assert profile.timezone == "Europe/Berlin"

    UserProfile.objects.filter(pk=profile.pk).update(timezone="US/Eastern")  # saved before the picker changed
    profile.refresh_from_db()
    form = ProfileForm({"timezone": "US/Eastern"}, instance=profile)
    assert form.is_valid(), form.errors
    assert "US/Eastern (current setting)" in str(form["timezone"])
