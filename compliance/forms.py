from __future__ import annotations

from typing import Any

from django import forms

from compliance.choices import DataSubjectExemption, DecisionKind, DoraCriterion, ObligationStatus, RiskLevel
from compliance.models import LegalEntity
from compliance.regimes import CATALOGUE, DESIGNATION_CATALOGUE, designation_info

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def designation_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The designation catalogue as checklist choices, grouped by regime, each with its one-line
    description: `code - label: description`."""
    names = {entry.code: entry.name for entry in CATALOGUE}
    groups: dict[str, list[tuple[str, str]]] = {}
    for info in DESIGNATION_CATALOGUE:
        groups.setdefault(names.get(info.regime, info.regime), []).append(
            (info.code, f"{info.code} - {info.label}: {info.description}")
        )
    return list(groups.items())


class DesignationsField(forms.MultipleChoiceField):
    """An entity's designations as a checklist of the known codes; an unknown code is refused by name."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid_choice": 'Unknown designation "%(value)s".'}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", designation_choices)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", "Each designation brings the entity into a regime or changes how a regime counts."
        )
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        unknown = [code for code in value if designation_info(code) is None]
        if unknown:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": unknown[0]}
            )

    def clean(self, value: Any) -> list[str]:
        chosen = set(super().clean(value))
        return [info.code for info in DESIGNATION_CATALOGUE if info.code in chosen]


class LegalEntityForm(forms.ModelForm):
    """Admin (and any other) form of a legal entity: designations as a checklist, never raw JSON."""

    designations = DesignationsField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A code stored before it left the catalogue stays visible (checked) until it is unchecked:
        # saving it again is refused by name, rather than dropping it silently.
        field = self.fields["designations"]
        stale = [code for code in self.instance.designations or () if designation_info(code) is None]
        if stale and isinstance(field, DesignationsField):
            field.choices = [
                *designation_choices(),
                (
                    "Unknown codes (uncheck to remove)",
                    [(code, f"{code} - not a known designation") for code in stale],
                ),
            ]

    class Meta:
        model = LegalEntity
        fields = [
            "name",
            "lei",
            "country",
            "subdivision",
            "timezone",
            "designations",
            "custom_regimes",
            "dpo_contact",
            "is_active",
        ]


class AssessmentForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.filter(is_active=True), label="Legal entity")
    personal_data_involved = forms.BooleanField(required=False, label="Personal data involved")
    risk = forms.ChoiceField(choices=RiskLevel.choices, label="Risk to the people concerned")
    risk_rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10_000
    )
    data_subjects = forms.IntegerField(
        min_value=0, max_value=10**10, initial=0, label="Data subjects (number)"
    )
    records = forms.IntegerField(min_value=0, max_value=10**12, initial=0, label="Records (number)")
    data_categories = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )
    subjects_by_jurisdiction = forms.CharField(
        required=False,
        max_length=2000,
        label="People per jurisdiction",
        help_text="One per line: code count, e.g. 'US-CA 120' or 'DE 1500'.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phi_involved = forms.BooleanField(required=False, label="Protected health information (PHI) involved")
    phi_secured = forms.BooleanField(required=False, label="PHI was secured (encrypted or destroyed)")
    hipaa_low_probability = forms.BooleanField(
        required=False, label="HIPAA four-factor assessment shows a low probability of compromise"
    )
    data_subject_exemption = forms.ChoiceField(
        choices=[("", "None"), *DataSubjectExemption.choices],
        required=False,
        label="GDPR Art. 34(3) exemption",
    )
    dora_criteria = forms.MultipleChoiceField(
        choices=DoraCriterion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="DORA classification criteria met (Del. Reg. 2024/1772)",
    )

    def clean_subjects_by_jurisdiction(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["subjects_by_jurisdiction"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.replace(":", " ").split()
            if len(parts) != 2 or not parts[1].isdigit():
                raise forms.ValidationError(f"Line {number}: write a code and a number, e.g. 'US-CA 120'.")
            counts[parts[0].upper()] = int(parts[1])
        return counts


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(choices=DecisionKind.choices, label="Decision")
    value = forms.TypedChoiceField(choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes")
    decided_at = forms.DateTimeField(widget=DATETIME_WIDGET, required=False, label="As of (if not now)")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)


class RationaleForm(forms.Form):
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)


class ObligationFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ObligationStatus.choices], required=False, initial=ObligationStatus.OPEN
    )
    regime = forms.CharField(required=False, max_length=40)
    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.all(), required=False)
    overdue = forms.BooleanField(required=False, label="Overdue only")


class SubmitForm(forms.Form):
    submission_reference = forms.CharField(
        max_length=200, help_text="The authority's receipt number, or how it was sent."
    )
    submitted_at = forms.DateTimeField(
        widget=DATETIME_WIDGET, required=False, label="Submitted at (if not now)"
    )


def report_fields_form(
    keys: list[str], labels: dict[str, Any], data: Any = None, initial: dict[str, str] | None = None
) -> forms.Form:
    form = forms.Form(data=data, initial=initial)
    for key in keys:
        info = labels[key]
        form.fields[key] = forms.CharField(
            label=info.label,
            help_text=info.guidance,
            required=False,
            max_length=20_000,
            widget=forms.Textarea(attrs={"rows": 4 if info.multiline else 1}),
        )
    return form
