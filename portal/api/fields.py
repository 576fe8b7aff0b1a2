from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers


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
    """ModelSerializer whose datetime fields refuse naive times."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: AwareDateTimeField,
    }


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()
