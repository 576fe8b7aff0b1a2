from __future__ import annotations

from zoneinfo import available_timezones

from django import forms

from portal.models import UserProfile


def _zones() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(available_timezones()) if "/" in zone or zone == "UTC"]


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=_zones, help_text="Times in the portal are shown in this zone.")

    class Meta:
        model = UserProfile
        fields = ["timezone"]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'CI pipeline'.")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=90, label="Expires after (days)"
    )
