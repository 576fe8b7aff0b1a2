from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.constraints import validate_check_constraints


class AwareDateTimeField(serializers.DateTimeField):
    """A DateTimeField that refuses naive input instead of guessing its zone."""

    default_error_messages = {
        "naive": "Give a time-zone offset (e.g. +01:00 or Z): a time without one is ambiguous.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            if timezone.is_naive(value):
                self.fail("naive")
        elif isinstance(value, str) and "\x00" not in value:
            try:
                raw = parse_datetime(value.strip())
            except ValueError:
                raw = None
            if raw is not None and timezone.is_naive(raw):
                self.fail("naive")
        return super().to_internal_value(value)


class StrictModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose datetime fields refuse naive times and whose model's check
    constraints are checked before saving (a 400 naming the field, never an IntegrityError)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: AwareDateTimeField,
    }

    def validate(self, attrs: Any) -> Any:
        attrs = super().validate(attrs)
        model = getattr(getattr(self, "Meta", None), "model", None)
        if model is not None and isinstance(attrs, dict):
            check_model_constraints(model, self.instance, attrs)
        return attrs


def check_model_constraints(model: type[models.Model], instance: Any, attrs: dict[str, Any]) -> None:
    """Raise a field-keyed ValidationError if ``attrs`` applied to ``instance`` break a CheckConstraint."""
    if not any(isinstance(c, models.CheckConstraint) for c in model._meta.constraints):
        return
    concrete = {field.name for field in model._meta.concrete_fields}
    candidate = copy.copy(instance) if isinstance(instance, model) else model()
    present = set()
    for name, value in attrs.items():
        if name in concrete:
            setattr(candidate, name, value)
            present.add(name)
    errors = validate_check_constraints(model, candidate, present)
    if errors:
        raise serializers.ValidationError(errors)


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


_ENUM_FIELDS: dict[str, type[serializers.ChoiceField]] = {}


def enum_field(choices: type[models.TextChoices], component: str, **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField published under its own schema component name, so that the API's
    several ``status`` and ``kind`` enums never collide in the OpenAPI schema."""
    field_class = _ENUM_FIELDS.get(component)
    if field_class is None:
        schema = {
            "type": "string",
            "enum": list(choices.values),
            "description": "\n".join(f"* `{value}` - {label}" for value, label in choices.choices),
        }
        field_class = extend_schema_field(schema, component_name=component)(
            type(f"{component}Field", (serializers.ChoiceField,), {})
        )
        _ENUM_FIELDS[component] = field_class
    return field_class(choices=choices.choices, **kwargs)
