"""``portal.api.csv``: the streaming CSV export that list endpoints offer as ``?format=csv``.

The viewset below is wired the way the module docstring tells the incidents and
action-items viewsets to be wired."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from rest_framework import filters, serializers, viewsets
from rest_framework.test import APIRequestFactory, force_authenticate

from incidents.selectors import incident_list
from portal.api.csv import CsvColumn, CsvExportMixin, csv_cell
from portal.filters import StrictOrderingFilter
from portal.models import AuditEvent
from tests.factories import IncidentFactory, ServiceFactory


class _IncidentSerializer(serializers.Serializer):
    reference = serializers.CharField()


class IncidentExportViewSet(CsvExportMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = _IncidentSerializer
    filter_backends = [filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["title"]
    ordering_fields = ["reference"]
    required_permissions = {"list": ["incidents.view_incident"], "retrieve": ["incidents.view_incident"]}
    csv_filename = "incidents.csv"
    csv_audit_action = "incidents.exported"
    csv_columns = [
        CsvColumn("reference"),
        CsvColumn("title"),
        CsvColumn("severity", "severity.name"),
        CsvColumn("team", "team.name"),
        CsvColumn("detected_at"),
        CsvColumn("restricted", "is_restricted"),
        CsvColumn("services", lambda incident: "; ".join(s.name for s in incident.services.all())),
    ]

    def get_queryset(self):
        return incident_list(self.request.user).order_by("reference")


def export(user, **params):
    view = IncidentExportViewSet.as_view({"get": "list"})
    request = APIRequestFactory().get("/incidents/", params, **params.pop("headers", {}))
    force_authenticate(request, user=user)
    return view(request)


def rows(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_format_csv_streams_every_filtered_row_with_the_declared_columns(compliance_officer):
    payments = ServiceFactory(name="Payments API")
    first = IncidentFactory(title="Payments down", detected_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    first.services.add(payments)
    IncidentFactory(title="Mail slow")
    response = export(compliance_officer, format="csv", search="Payments")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="incidents.csv"'
    assert rows(response) == [
        {
            "reference": first.reference,
            "title": "Payments down",
            "severity": "SEV2",
            "team": "",
            "detected_at": "2026-01-02T03:04:05+00:00",
            "restricted": "false",
            "services": "Payments API",
        }
    ]
    assert AuditEvent.objects.filter(action="incidents.exported", actor=compliance_officer).exists()


def test_cells_cannot_start_a_spreadsheet_formula(compliance_officer):
    IncidentFactory(title='=HYPERLINK("http://evil.example","click")')
    IncidentFactory(title="@SUM(A1:A9)")
    IncidentFactory(title="-2+3")
    titles = [row["title"] for row in rows(export(compliance_officer, format="csv"))]
    assert sorted(titles) == sorted(['\'=HYPERLINK("http://evil.example","click")', "'@SUM(A1:A9)", "'-2+3"])
    assert csv_cell(-5) == -5
    assert csv_cell("\tcmd") == "'\tcmd"
    assert csv_cell(None) == ""


def test_the_export_applies_the_readers_row_restrictions(responder, outsider, restricted_incident):
    IncidentFactory(title="Open for all")
    assert [row["title"] for row in rows(export(outsider, format="csv"))] == ["Open for all"]
    assert len(rows(export(responder, format="csv"))) == 2


def test_without_format_csv_the_list_stays_paginated_json(compliance_officer):
    IncidentFactory.create_batch(2)
    response = export(compliance_officer)
    assert response.status_code == 200
    response.render()
    assert response["Content-Type"].startswith("application/json")
    assert len(response.data["results"]) == 2


def test_an_accept_header_of_text_csv_asks_for_csv_too(compliance_officer):
    IncidentFactory()
    response = export(compliance_officer, headers={"HTTP_ACCEPT": "text/csv"})
    assert len(rows(response)) == 1


def test_the_export_reads_in_a_fixed_number_of_queries_whatever_its_size(compliance_officer):
    def queries(count: int) -> int:
        IncidentFactory.create_batch(count)
        with CaptureQueriesContext(connection) as captured:
            rows(export(compliance_officer, format="csv"))
        return len(captured.captured_queries)

    queries(1)
    small = queries(2)
    assert queries(40) == small


def test_a_bad_filter_is_a_400_even_as_csv(compliance_officer):
    response = export(compliance_officer, format="csv", ordering="password")
    assert response.status_code == 400
    response.render()
    assert response.content.decode().startswith("field,error")
    assert "Cannot order by password" in response.content.decode()


def test_only_the_list_answers_csv(compliance_officer):
    incident = IncidentFactory()
    view = IncidentExportViewSet.as_view({"get": "retrieve"})
    request = APIRequestFactory().get(f"/incidents/{incident.pk}/", {"format": "csv"})
    force_authenticate(request, user=compliance_officer)
    assert view(request, pk=incident.pk).status_code == 404
    as_json = APIRequestFactory().get(f"/incidents/{incident.pk}/")
    force_authenticate(as_json, user=compliance_officer)
    assert view(as_json, pk=incident.pk).status_code == 200
