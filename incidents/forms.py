from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from incidents.choices import IncidentStatus
from incidents.models import Category, IncidentRole, Service, Severity, StakeholderTemplate, Team

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.Form):
    """Declare or edit an incident; times are entered in the user's own time zone."""

    title = forms.CharField(max_length=200)
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.filter(is_active=True), empty_label="Choose a severity"
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True), empty_label="Choose a category"
    )
    summary = forms.CharField(widget=forms.Textarea, required=False, max_length=20_000)
    impact = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20_000)
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Affected services",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, help_text="Pull in a team: its members take the roles."
    )
    occurred_at = forms.DateTimeField(
        widget=DATETIME_WIDGET, required=False, help_text="When it started, if known."
    )
    detected_at = forms.DateTimeField(
        widget=DATETIME_WIDGET,
        required=False,
        help_text="Leave empty to use the awareness time below, or now if that is empty too.",
    )
    aware_at = forms.DateTimeField(
        widget=DATETIME_WIDGET,
        required=False,
        help_text=(
            "When the organisation became aware: most regulatory clocks start here. "
            "Not before detection; may be left empty until known."
        ),
    )
    is_restricted = forms.BooleanField(
        required=False, label="Restricted (response team, compliance and admins only)"
    )
    is_exercise = forms.BooleanField(
        required=False, label="This is an exercise (no regulatory clocks, not in KPIs)"
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # Detection defaults to awareness when only that is known, so the two never disagree;
        # with neither, the service records the declaration time.
        if cleaned.get("detected_at") is None and cleaned.get("aware_at") is not None:
            cleaned["detected_at"] = cleaned["aware_at"]
        return cleaned


class TransitionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000, label="Add a note")
    occurred_at = forms.DateTimeField(widget=DATETIME_WIDGET, required=False, label="When (if not now)")


class PersonChoiceField(forms.ModelChoiceField):
    """People by name; the username after it tells two people of the same name apart."""

    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.username})" if full_name else str(obj.username)


class RoleForm(forms.Form):
    role = forms.ModelChoiceField(queryset=IncidentRole.objects.filter(is_active=True))
    user = PersonChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="(vacant)", label="Holder"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        holder = self.fields["user"]
        assert isinstance(holder, forms.ModelChoiceField)
        holder.queryset = (
            get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        )


class EvidenceForm(forms.Form):
    file = forms.FileField()
    description = forms.CharField(required=False, max_length=2000)


class IncidentFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.MultipleChoiceField(
        choices=IncidentStatus.choices, required=False, widget=forms.SelectMultiple(attrs={"size": 3})
    )
    severity = forms.ModelMultipleChoiceField(
        queryset=Severity.objects.all(), required=False, widget=forms.SelectMultiple(attrs={"size": 3})
    )
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    exercise = forms.ChoiceField(
        choices=[("", "Incidents and exercises"), ("no", "Incidents only"), ("yes", "Exercises only")],
        required=False,
    )


class CommunicationForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=StakeholderTemplate.objects.filter(is_active=True), label="Message template"
    )
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=20_000,
        help_text="Email addresses, one per line or separated by commas (email channel).",
    )

    def clean_recipients(self) -> list[str]:
        raw = self.cleaned_data["recipients"].replace(",", "\n").replace(";", "\n")
        return [line.strip() for line in raw.splitlines() if line.strip()]
