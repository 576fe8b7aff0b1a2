from __future__ import annotations

from typing import Any

from django import forms

from portal.alarms import format_alarms, parse_alarms
from portal.models import UserProfile
from portal.timezones import selectable_zones, zone_choices


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label="Show times in",
        help_text="Common zones come first; type a city or country to find yours.",
    )

    class Meta:
        model = UserProfile
        fields = ["timezone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.timezone if self.instance and self.instance.pk else None
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = zone_choices(current)

    def clean_timezone(self) -> str:
        zone: str = self.cleaned_data["timezone"]
        unchanged = self.instance and self.instance.pk and zone == self.instance.timezone
        if zone not in selectable_zones() and not unchanged:
            raise forms.ValidationError("Choose a time zone from the list.")
        return zone


class AlarmForm(forms.ModelForm):
    """The alarms of the deadline calendar feed, typed as ``24h, 4h``."""

    deadline_alarms = forms.CharField(
        label="Calendar alarms before each deadline",
        required=False,
        max_length=200,
        help_text="Hours (24h), minutes (30m) or days (2d), separated by commas; empty for no alarms.",
    )

    class Meta:
        model = UserProfile
        fields = ["deadline_alarms"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["deadline_alarms"] = format_alarms(list(self.instance.deadline_alarms or []))

    def clean_deadline_alarms(self) -> list[int]:
        return parse_alarms(self.cleaned_data.get("deadline_alarms") or "")


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'CI pipeline'.")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=90, label="Expires after (days)"
    )
