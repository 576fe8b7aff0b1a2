"""Filters and filter backends shared by every app's API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class AwareDateTimeField(forms.Field):
    """An ISO 8601 instant that must name its offset: a naive time is ambiguous."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date and time, e.g. 2026-03-27T16:30:00+01:00.",
        "naive": "Give a time-zone offset (e.g. +01:00 or Z): a time without one is ambiguous.",
    }

    def to_python(self, value: Any) -> datetime | None:
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            parsed: datetime | None = value
        else:
            try:
                parsed = parse_datetime(str(value).strip())
            except ValueError:
                parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return parsed


class AwareDateTimeFilter(django_filters.Filter):
    field_class = AwareDateTimeField


class StrictOrderingFilter(filters.OrderingFilter):
    """Like DRF's, but an unknown ordering field is a 400 instead of being ignored."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Sequence[str] | None:
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [field for field in fields if field.lstrip("-") not in valid]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: f"Cannot order by {', '.join(unknown)}; use one of {', '.join(sorted(valid))}."
                    }
                )
        return super().get_ordering(request, queryset, view)
