"""Fields shared by the post-mortem serializers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def _active_users() -> Any:
    return get_user_model().objects.filter(is_active=True)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class IdOrSlugRelatedField(serializers.RelatedField):
    """A template given by its id or its slug."""

    default_error_messages = {"does_not_exist": "No active template {value!r}."}

    def to_internal_value(self, data: Any) -> Any:
        queryset = self.get_queryset()
        text = str(data).strip()
        lookup = {"pk": int(text)} if text.isdigit() and len(text) <= 18 else {"slug": text[:60]}
        try:
            return queryset.get(**lookup)
        except queryset.model.DoesNotExist:
            self.fail("does_not_exist", value=text[:60])

    def to_representation(self, value: Any) -> Any:
        return value.pk
