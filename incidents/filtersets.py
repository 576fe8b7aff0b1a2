from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from incidents.choices import Audience, Channel, ExerciseType, IncidentStatus, TaskStatus
from incidents.models import (
    Communication,
    Exercise,
    Incident,
    IncidentTask,
    Playbook,
    StakeholderTemplate,
    Team,
)
from portal.filters import AwareDateTimeFilter


class MultiValueField(forms.Field):
    """Collects repeated query parameters and comma-separated lists into one list."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no); anything else is a 400, never silently ignored."""

    default_error_messages = {"invalid": "Use true or false."}
    _VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IdOrNameFilter(django_filters.Filter):
    """Several values, each an id or a name: ``?severity=SEV1&severity=2`` or ``?severity=SEV1,SEV2``."""

    field_class = MultiValueField

    def __init__(self, *args: Any, name_field: str, **kwargs: Any) -> None:
        self.name_field = name_field
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Any]:
        if not value:
            return qs
        condition = Q()
        for item in value:
            if item.isdigit() and len(item) <= 18:
                condition |= Q(**{f"{self.field_name}__pk": int(item)})
            else:
                condition |= Q(**{f"{self.field_name}__{self.name_field}__iexact": item})
        qs = qs.filter(condition)
        return qs.distinct() if self.distinct else qs


class MultipleChoiceListField(forms.MultipleChoiceField):
    """A multiple choice that also accepts comma-separated values."""

    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class StatusFilter(django_filters.MultipleChoiceFilter):
    """``?status=reported&status=acknowledged`` or ``?status=reported,acknowledged``."""

    field_class = MultipleChoiceListField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, choices=IncidentStatus.choices, **kwargs)

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Any]:
        return qs.filter(status__in=value) if value else qs


class IncidentFilterSet(django_filters.FilterSet):
    status = StatusFilter()
    severity = IdOrNameFilter(field_name="severity", name_field="name")
    category = IdOrNameFilter(field_name="category", name_field="slug")
    service = IdOrNameFilter(field_name="services", name_field="name", distinct=True)
    is_exercise = StrictBooleanFilter()
    is_restricted = StrictBooleanFilter()
    detected_at_after = AwareDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_at_before = AwareDateTimeFilter(field_name="detected_at", lookup_expr="lt")
    mine = StrictBooleanFilter(method="filter_mine", label="Only incidents where I hold a role")

    class Meta:
        model = Incident
        fields = ["status", "severity", "category", "service", "is_exercise", "is_restricted"]

    def filter_mine(self, qs: QuerySet[Incident], name: str, value: bool | None) -> QuerySet[Incident]:
        if not value or self.request is None:
            return qs
        user = self.request.user
        return qs.filter(
            Q(created_by=user) | Q(role_assignments__user=user, role_assignments__ended_at__isnull=True)
        ).distinct()


# --- response plan -------------------------------------------------------------------------------------


class ChoiceListFilter(django_filters.MultipleChoiceFilter):
    """``?status=open&status=done`` or ``?status=open,done`` for any choice field."""

    field_class = MultipleChoiceListField

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class TeamFilterSet(django_filters.FilterSet):
    team_type = IdOrNameFilter(field_name="team_type", name_field="slug")
    is_active = StrictBooleanFilter()

    class Meta:
        model = Team
        fields = ["team_type", "is_active"]


class PlaybookFilterSet(django_filters.FilterSet):
    category = IdOrNameFilter(field_name="category", name_field="slug")
    is_active = StrictBooleanFilter()

    class Meta:
        model = Playbook
        fields = ["category", "is_active"]


class TaskFilterSet(django_filters.FilterSet):
    status = ChoiceListFilter(choices=TaskStatus.choices)
    role = IdOrNameFilter(field_name="role", name_field="slug")

    class Meta:
        model = IncidentTask
        fields = ["status", "role"]


class CommunicationFilterSet(django_filters.FilterSet):
    audience = ChoiceListFilter(choices=Audience.choices)
    channel = ChoiceListFilter(choices=Channel.choices)

    class Meta:
        model = Communication
        fields = ["audience", "channel"]


class StakeholderTemplateFilterSet(django_filters.FilterSet):
    audience = ChoiceListFilter(choices=Audience.choices)
    channel = ChoiceListFilter(choices=Channel.choices)
    language = django_filters.CharFilter(max_length=16)
    is_active = StrictBooleanFilter()
    category = django_filters.CharFilter(
        method="filter_category", max_length=80, label="Suits this category (slug)"
    )
    severity = django_filters.CharFilter(
        method="filter_severity", max_length=30, label="Suits this severity (name)"
    )

    class Meta:
        model = StakeholderTemplate
        fields = ["audience", "channel", "language", "is_active"]

    def filter_category(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # A template without categories suits them all.
        return qs.filter(Q(categories__isnull=True) | Q(categories__slug=value)).distinct() if value else qs

    def filter_severity(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return (
            qs.filter(Q(severities__isnull=True) | Q(severities__name__iexact=value)).distinct()
            if value
            else qs
        )


class ExerciseFilterSet(django_filters.FilterSet):
    exercise_type = ChoiceListFilter(choices=ExerciseType.choices)
    conducted = StrictBooleanFilter(field_name="conducted_at", lookup_expr="isnull", exclude=True)
    team = IdOrNameFilter(field_name="team", name_field="name")
    category = IdOrNameFilter(field_name="category", name_field="slug")
    scheduled_after = AwareDateTimeFilter(field_name="scheduled_for", lookup_expr="gte")
    scheduled_before = AwareDateTimeFilter(field_name="scheduled_for", lookup_expr="lt")

    class Meta:
        model = Exercise
        fields = ["exercise_type", "conducted", "team", "category"]
