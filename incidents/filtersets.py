from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from incidents.choices import IncidentStatus
from incidents.models import Incident
from portal.filters import AwareDateTimeFilter


class MultiValueField(forms.Field):
    """Collects repeated query parameters and comma-separated lists into one list."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]


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
    is_exercise = django_filters.BooleanFilter()
    is_restricted = django_filters.BooleanFilter()
    detected_at_after = AwareDateTimeFilter(field_name="detected_at", lookup_expr="gte")
    detected_at_before = AwareDateTimeFilter(field_name="detected_at", lookup_expr="lt")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only incidents where I hold a role")

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
