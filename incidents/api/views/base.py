"""Pieces shared by the incidents API views."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, filters, status, viewsets

from portal.api.mixins import AuditedModelMixin
from portal.filters import StrictOrderingFilter

#: Ids in URLs: digits only and bounded, so that huge numbers are a 404 and never a 500.
ID = r"[0-9]{1,18}"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The document could not be produced right now; try again."
    default_code = "unavailable"


class ConfigViewSet(AuditedModelMixin, viewsets.ModelViewSet):
    lookup_value_regex = ID
    filter_backends = [filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["name"]


def filtered(filterset_class: Any, request: Any, queryset: Any) -> Any:
    """Apply a FilterSet to a nested list (an action under incidents/{id}/); bad input is a 400."""
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    return filterset.qs
