from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from incidents.filtersets import MultipleChoiceListField
from portal.filters import AwareDateTimeFilter
from postmortems.choices import (
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    PostmortemStatus,
)
from postmortems.models import ActionItem, Postmortem
from postmortems.selectors import overdue_condition

_MAX_ID_DIGITS = 18


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """``?status=open&status=in_progress`` or ``?status=open,in_progress``; unknown values are a 400."""

    field_class = MultipleChoiceListField

    def filter(self, qs: QuerySet[Any], value: list[str]) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no); anything else is an error instead of being ignored."""

    _values = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._values[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Use true or false.", code="invalid") from None


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class IdField(forms.Field):
    def to_python(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not text.isdigit() or len(text) > _MAX_ID_DIGITS:
            raise forms.ValidationError("Give a numeric id.", code="invalid")
        return int(text)


class IdFilter(django_filters.Filter):
    """A numeric id; ids that do not exist (or that the reader cannot see) simply match nothing."""

    field_class = IdField


class UserField(forms.Field):
    """A user id, or ``me``."""

    def to_python(self, value: Any) -> int | str | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if text.lower() == "me":
            return "me"
        if not text.isdigit() or len(text) > _MAX_ID_DIGITS:
            raise forms.ValidationError("Give a user id or me.", code="invalid")
        return int(text)


class UserFilter(django_filters.Filter):
    field_class = UserField

    def filter(self, qs: QuerySet[Any], value: int | str | None) -> QuerySet[Any]:
        if value is None:
            return qs
        if value == "me":
            request = getattr(self.parent, "request", None)
            value = request.user.pk if request is not None else None
        qs = qs.filter(**{f"{self.field_name}__pk": value})
        return qs.distinct() if self.distinct else qs


class PostmortemFilterSet(django_filters.FilterSet):
    status = ChoicesFilter(choices=PostmortemStatus.choices)
    owner = UserFilter(field_name="owner", label="Owner id, or me")
    reviewer = UserFilter(field_name="reviewers", distinct=True, label="Reviewer id, or me")
    incident = IdFilter(field_name="incident_links__incident", distinct=True)
    created_after = AwareDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = AwareDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Postmortem
        fields = ["status", "owner", "reviewer", "incident"]


class ActionItemFilterSet(django_filters.FilterSet):
    owner = UserFilter(field_name="owner", label="Owner id, or me")
    status = ChoicesFilter(choices=ActionItemStatus.choices)
    kind = ChoicesFilter(choices=ActionItemKind.choices)
    priority = ChoicesFilter(choices=ActionItemPriority.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", label="Due before today and not done")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte", label="Due on or after")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due on or before")
    postmortem = IdFilter(field_name="postmortem")
    incident = IdFilter(method="filter_incident", label="Items of post-mortems covering this incident")

    class Meta:
        model = ActionItem
        fields = ["owner", "status", "kind", "priority", "postmortem"]

    def filter_overdue(self, qs: QuerySet[ActionItem], name: str, value: bool | None) -> QuerySet[ActionItem]:
        if value is None:
            return qs
        condition = overdue_condition(timezone.localdate())
        return qs.filter(condition) if value else qs.exclude(condition)

    def filter_incident(self, qs: QuerySet[ActionItem], name: str, value: int | None) -> QuerySet[ActionItem]:
        if value is None:
            return qs
        # The item's own incident, or (for items not tied to one) any incident its post-mortem covers.
        return qs.filter(
            Q(incident_id=value) | Q(incident__isnull=True, postmortem__incident_links__incident_id=value)
        ).distinct()
