"""Forms of the post-mortem and action-item pages.

Choices that would cost a query per rendered form (factor categories, users)
are computed once by the view and handed in, so a page with many rows still
renders in a fixed number of queries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from postmortems.choices import ActionItemAction, ActionItemKind, ActionItemPriority, PostmortemStatus
from postmortems.models import PostmortemSection, PostmortemTemplate, external_url_validator
from postmortems.services import MAX_FACTORS, MAX_WHYS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _users() -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def _with_perm(perm: str) -> QuerySet[Any]:
    return get_user_model().objects.with_perm(perm, backend=BACKEND).values("pk")


def users_all() -> QuerySet[Any]:
    return _users()


def writers() -> QuerySet[Any]:
    """Who can own a post-mortem (the service still checks access to its incidents)."""
    return _users().filter(pk__in=_with_perm("postmortems.change_postmortem"))


def reviewers() -> QuerySet[Any]:
    """Who can review a post-mortem: authors, and those who may publish."""
    return _users().filter(
        Q(pk__in=_with_perm("postmortems.change_postmortem"))
        | Q(pk__in=_with_perm("postmortems.publish_postmortem"))
    )


def item_owners() -> QuerySet[Any]:
    """Who can own an action item (the service still checks access to the post-mortem)."""
    return _users().filter(pk__in=_with_perm("postmortems.view_actionitem"))


def user_label(user: Any) -> str:
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def user_choices(users: Sequence[Any], empty: str | None = None) -> list[tuple[str, str]]:
    choices = [(str(user.pk), user_label(user)) for user in users]
    return [("", empty), *choices] if empty is not None else choices


def _pick(users: dict[str, Any], value: str) -> Any:
    return users.get(value) if value else None


# --- lists --------------------------------------------------------------------------------------------


class PostmortemFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Incident or title")
    status = forms.ChoiceField(choices=[("", "Any status"), *PostmortemStatus.choices], required=False)
    owner = forms.ChoiceField(choices=[("", "Anyone"), ("me", "Me")], required=False, label="Owner")


class ActionItemFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search title")
    owner = forms.ChoiceField(required=False, label="Owner")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *ActionItemKind.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Any priority"), *ActionItemPriority.choices], required=False)

    def __init__(self, *args: Any, owners: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody (unassigned)"),
            *user_choices(owners),
        ]


# --- starting a post-mortem ---------------------------------------------------------------------------


class IncidentsField(forms.ModelMultipleChoiceField):
    """Incidents by reference, title and state (whether a post-mortem covers them already)."""

    def label_from_instance(self, obj: Any) -> str:
        state = obj.get_status_display().lower()
        if getattr(obj, "has_postmortem", False):
            state += ", has a post-mortem"
        return f"{obj.reference} · {obj.title} ({state})"


class TemplateField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PostmortemCreateForm(forms.Form):
    incidents = IncidentsField(
        queryset=None,
        label="Incidents covered",
        help_text="Resolved or closed incidents, those without a post-mortem first. Pick several "
        "(Ctrl or ⌘ + click) when one review covers related incidents.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    template = TemplateField(queryset=None, empty_label=None, widget=forms.RadioSelect)
    title = forms.CharField(
        max_length=200, required=False, help_text="Leave empty for “Post-mortem: <incident title>”."
    )
    facilitator = forms.ChoiceField(required=False, help_text="Runs the review meeting (optional).")
    reviewers = forms.MultipleChoiceField(
        required=False,
        help_text="Who reviews and may publish it besides compliance officers and administrators.",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def __init__(
        self,
        *args: Any,
        incidents: QuerySet[Any],
        templates: QuerySet[PostmortemTemplate],
        people: Sequence[Any],
        reviewer_people: Sequence[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(IncidentsField, self.fields["incidents"]).queryset = incidents
        cast(TemplateField, self.fields["template"]).queryset = templates
        self._people = {str(user.pk): user for user in people}
        self._reviewer_people = {str(user.pk): user for user in reviewer_people}
        cast(forms.ChoiceField, self.fields["facilitator"]).choices = user_choices(people, "No facilitator")
        cast(forms.ChoiceField, self.fields["reviewers"]).choices = user_choices(reviewer_people)

    def qualifying_incidents(self) -> QuerySet[Any]:
        """The incidents offered: the resolved or closed ones the user may see."""
        queryset = cast(IncidentsField, self.fields["incidents"]).queryset
        assert queryset is not None
        return queryset

    def clean_facilitator(self) -> Any:
        return _pick(self._people, self.cleaned_data["facilitator"])

    def clean_reviewers(self) -> list[Any]:
        return [self._reviewer_people[value] for value in self.cleaned_data["reviewers"]]


# --- the editor ---------------------------------------------------------------------------------------


class RequestChangesForm(forms.Form):
    """A reviewer sends the post-mortem back to its author with what to change."""

    comment = forms.CharField(
        max_length=5000,
        label="What needs to change",
        help_text="The author sees this on the post-mortem and on the incidents' timelines. Markdown works.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what needs to change, so that the author knows what to do."},
    )


def section_field_name(key: str) -> str:
    return f"section_{key}"


class PostmortemDocumentForm(forms.Form):
    """The document: title, people, one Markdown field per section, the five whys."""

    title = forms.CharField(max_length=200)
    owner = forms.ChoiceField(help_text="Writes the post-mortem; cannot publish it.")
    facilitator = forms.ChoiceField(required=False)
    reviewers = forms.MultipleChoiceField(
        required=False,
        help_text="Listed reviewers may publish it (as may compliance officers and administrators).",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    customers_affected = forms.IntegerField(min_value=0, max_value=10**12, required=False)
    records_affected = forms.IntegerField(min_value=0, max_value=10**12, required=False)
    whys = forms.CharField(
        required=False,
        max_length=20_000,
        label="Five whys",
        help_text="One answer per line, in order: why did it happen, and why did that happen… "
        "Stop at something the organisation can change, never at a person.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    no_action_items_reason = forms.CharField(
        required=False,
        max_length=5000,
        label="Why no action item is needed",
        help_text="Only when there is no action item at all.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        sections: Sequence[PostmortemSection],
        owners: Sequence[Any],
        people: Sequence[Any],
        reviewer_people: Sequence[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        self._owners = {str(user.pk): user for user in owners}
        self._people = {str(user.pk): user for user in people}
        self._reviewer_people = {str(user.pk): user for user in reviewer_people}
        cast(forms.ChoiceField, self.fields["owner"]).choices = user_choices(owners)
        cast(forms.ChoiceField, self.fields["facilitator"]).choices = user_choices(people, "No facilitator")
        cast(forms.ChoiceField, self.fields["reviewers"]).choices = user_choices(reviewer_people)
        for section in self.sections:
            self.fields[section_field_name(section.key)] = forms.CharField(
                label=section.title,
                help_text=section.guidance,
                required=False,
                max_length=100_000,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    @classmethod
    def initial_for(cls, postmortem: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": postmortem.title,
            "owner": str(postmortem.owner_id),
            "facilitator": str(postmortem.facilitator_id or ""),
            "reviewers": [str(user.pk) for user in postmortem.reviewers.all()],
            "customers_affected": postmortem.customers_affected,
            "records_affected": postmortem.records_affected,
            "whys": "\n".join(postmortem.whys or []),
            "no_action_items_reason": postmortem.no_action_items_reason,
        }
        for section in postmortem.sections.all():
            initial[section_field_name(section.key)] = section.body
        return initial

    def section_fields_by_key(self) -> list[tuple[str, forms.BoundField]]:
        return [(section.key, self[section_field_name(section.key)]) for section in self.sections]

    def clean_owner(self) -> Any:
        owner = _pick(self._owners, self.cleaned_data["owner"])
        if owner is None:
            raise forms.ValidationError("Choose the owner.")
        return owner

    def clean_facilitator(self) -> Any:
        return _pick(self._people, self.cleaned_data["facilitator"])

    def clean_reviewers(self) -> list[Any]:
        return [self._reviewer_people[value] for value in self.cleaned_data["reviewers"]]

    def clean_whys(self) -> list[str]:
        lines = [_NUMBERING.sub("", line).strip() for line in self.cleaned_data["whys"].splitlines()]
        whys = [line for line in lines if line]
        if len(whys) > MAX_WHYS:
            raise forms.ValidationError(f"Keep the chain to at most {MAX_WHYS} whys.")
        return whys

    def service_data(self) -> dict[str, Any]:
        """What ``services.postmortem_update`` takes (sections keyed by section key)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "owner": data["owner"],
            "facilitator": data["facilitator"],
            "reviewers": data["reviewers"],
            "customers_affected": data["customers_affected"],
            "records_affected": data["records_affected"],
            "whys": data["whys"],
            "no_action_items_reason": data["no_action_items_reason"].strip(),
            "sections": {
                section.key: data[section_field_name(section.key)].replace("\r\n", "\n")
                for section in self.sections
            },
        }


class FactorForm(forms.Form):
    category = forms.ChoiceField(required=False)
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Description"
    )

    def __init__(self, *args: Any, categories: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "Choose a category"), *categories]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category, description = data.get("category"), (data.get("description") or "").strip()
        if description and not category:
            self.add_error("category", "Choose the category of this factor.")
        if category and not description:
            self.add_error("description", "Describe the factor, or clear its category.")
        return data


class BaseFactorFormSet(forms.BaseFormSet):
    def factors(self) -> list[dict[str, str]]:
        return [
            {
                "category": form.cleaned_data["category"],
                "description": form.cleaned_data["description"].strip(),
            }
            for form in self.forms
            if form.cleaned_data.get("category") and (form.cleaned_data.get("description") or "").strip()
        ]


FactorFormSet = forms.formset_factory(
    FactorForm, formset=BaseFactorFormSet, extra=2, max_num=MAX_FACTORS, validate_max=True, absolute_max=60
)


class ActionItemForm(forms.Form):
    """An action item's editable fields (adding one from the editor, or editing it)."""

    title = forms.CharField(max_length=200)
    owner = forms.ChoiceField(required=False, help_text="Every open item needs an owner before publishing.")
    due_date = forms.DateField(required=False, widget=DATE_WIDGET, label="Due date")
    priority = forms.ChoiceField(choices=ActionItemPriority.choices, initial=ActionItemPriority.MEDIUM)
    kind = forms.ChoiceField(
        choices=ActionItemKind.choices,
        initial=ActionItemKind.PREVENT,
        help_text="Prevent and mitigate items need a verification to be marked done.",
    )
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))
    external_url = forms.CharField(
        required=False,
        max_length=500,
        label="Tracker link",
        validators=[external_url_validator],
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    def __init__(self, *args: Any, owners: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owners = {str(user.pk): user for user in owners}
        cast(forms.ChoiceField, self.fields["owner"]).choices = user_choices(owners, "Nobody yet")

    def clean_owner(self) -> Any:
        return _pick(self._owners, self.cleaned_data["owner"])

    def clean_external_url(self) -> str:
        return self.cleaned_data["external_url"].strip()


class StartForm(forms.Form):
    pass


class CompleteForm(forms.Form):
    verification = forms.CharField(
        required=False,
        max_length=5000,
        label="Verification",
        help_text="How was the change shown to work (test, drill, metric, review)?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WontDoForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        label="Reason",
        help_text="Why the item will not be done (risk accepted, superseded by…).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


ACTION_ITEM_FORMS: dict[str, type[forms.Form]] = {
    ActionItemAction.START: StartForm,
    ActionItemAction.COMPLETE: CompleteForm,
    ActionItemAction.WONT_DO: WontDoForm,
}
