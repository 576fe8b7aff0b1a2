from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from compliance.choices import ObligationStatus, ReportStatus
from compliance.models import Obligation, RegulatorReport
from incidents.filtersets import IdOrNameFilter, MultipleChoiceListField
from portal.filters import AwareDateTimeFilter


class ChoiceListFilter(django_filters.MultipleChoiceFilter):
    """``?status=a&status=b`` or ``?status=a,b``; unknown values are a 400."""

    field_class = MultipleChoiceListField


class ObligationFilterSet(django_filters.FilterSet):
    status = ChoiceListFilter(choices=ObligationStatus.choices)
    regime = django_filters.CharFilter(method="filter_regime", max_length=40)
    entity = IdOrNameFilter(field_name="entity", name_field="name")
    incident = IdOrNameFilter(field_name="incident", name_field="reference")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    due_before = AwareDateTimeFilter(field_name="due_at", lookup_expr="lt")
    due_after = AwareDateTimeFilter(field_name="due_at", lookup_expr="gte")

    class Meta:
        model = Obligation
        fields = ["status", "regime", "entity", "incident", "urgent", "provisional"]

    def filter_regime(self, qs: QuerySet[Obligation], name: str, value: str) -> QuerySet[Obligation]:
        regimes = [part.strip() for part in value.split(",") if part.strip()]
        return qs.filter(regime__in=regimes) if regimes else qs

    def filter_overdue(self, qs: QuerySet[Obligation], name: str, value: bool | None) -> QuerySet[Obligation]:
        if value is None:
            return qs
        overdue = Q(status=ObligationStatus.OPEN, due_at__lt=timezone.now())
        return qs.filter(overdue) if value else qs.exclude(overdue)


class ReportFilterSet(django_filters.FilterSet):
    status = ChoiceListFilter(choices=ReportStatus.choices)
    incident = IdOrNameFilter(field_name="incident", name_field="reference")
    regime = django_filters.CharFilter(field_name="obligation__regime", max_length=40)

    class Meta:
        model = RegulatorReport
        fields = ["status", "incident", "obligation", "regime"]
