"""Fields shared by the post-mortem serializers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import Incident
from incidents.selectors import incidents_visible_to
from postmortems.models import Postmortem
from postmortems.selectors import postmortems_visible_to


def _active_users() -> Any:
    return get_user_model().objects.filter(is_active=True)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class IdOrSlugRelatedField(serializers.RelatedField):
    """A template given by its id or its slug."""

    default_error_messages = {"does_not_exist": "No active template {value!r}."}

    def to_internal_value(self, data: Any) -> Any:
        queryset = self.get_queryset()
        assert queryset is not None  # given in the declaration
        text = str(data).strip()
        lookup = {"pk": int(text)} if text.isdigit() and len(text) <= 18 else {"slug": text[:60]}
        try:
            return queryset.get(**lookup)
        except queryset.model.DoesNotExist:
            self.fail("does_not_exist", value=text[:60])

    def to_representation(self, value: Any) -> Any:
        return value.pk


class VisibleIncidentField(serializers.PrimaryKeyRelatedField):
    """An incident id the caller may see; the others are answered like ids that do not exist."""

    def get_queryset(self) -> QuerySet[Incident]:
        request = self.context.get("request")
        return incidents_visible_to(request.user if request is not None else None)


class VisiblePostmortemField(serializers.PrimaryKeyRelatedField):
    """A post-mortem id the caller may see; the others are answered like ids that do not exist."""

    def get_queryset(self) -> QuerySet[Postmortem]:
        request = self.context.get("request")
        return postmortems_visible_to(request.user if request is not None else None)
