"""The API's pagination, and what lets a list page over column values."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE


class CountedValues:
    """``queryset.values(*fields)`` for a paginator, counted on ``queryset`` itself.

    Django keeps the joins that ``values()`` of related columns add in the count query; on the
    incident list that made the count a five-table join (22 ms instead of 3 ms at 1,000,000
    incidents). A paginator only needs ``count()`` and slicing (and ``ordered``, to warn).
    """

    def __init__(self, queryset: QuerySet[Any], *fields: str) -> None:
        self.queryset = queryset
        self.rows = queryset.values(*fields)

    @property
    def ordered(self) -> bool:
        return self.rows.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: Any) -> Any:
        return self.rows[key]
