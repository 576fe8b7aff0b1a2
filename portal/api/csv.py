"""Streaming CSV exports for list endpoints (``?format=csv`` or ``Accept: text/csv``).

Usage in a viewset (the mixin must come before the DRF base class)::

    from portal.api.csv import CsvColumn, CsvExportMixin

    class IncidentViewSet(CsvExportMixin, viewsets.ModelViewSet):
        csv_filename = "incidents.csv"
        csv_audit_action = "incidents.exported"      # optional: one audit event per export
        csv_columns = [
            CsvColumn("reference"),
            CsvColumn("title"),
            CsvColumn("severity", "severity.name"),
            CsvColumn("detected_at"),
            CsvColumn("services", lambda incident: "; ".join(s.name for s in incident.services.all())),
        ]

``GET /api/v1/incidents/?format=csv&status=open`` then streams every row that
the same filters, search and ordering select as JSON (``filter_queryset`` over
``get_queryset``, so row-level restrictions apply), without pagination, in
chunks from a server-side iterator: memory stays flat however large the
export. The CSV renderer is added to the viewset's renderers so that DRF's
``format`` parameter accepts ``csv``; only ``list`` answers CSV (other
actions asked for CSV get 404 from DRF's content negotiation, like any
unknown format).

Cells are safe to open in a spreadsheet: text starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is prefixed with ``'`` (formula
injection, OWASP "CSV Injection"); numbers stay numbers. Datetimes are ISO
8601 in UTC, booleans ``true``/``false``, ``None`` an empty cell.
Use :func:`csv_response` directly for exports that are not a viewset list.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Model, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 500


class CsvRenderer(BaseRenderer):
    """Lets DRF's content negotiation accept ``?format=csv``; the body is streamed by the mixin."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        # Only reached for errors (e.g. a 400 from a bad filter): show them as one CSV cell.
        if isinstance(data, dict) and data:
            rows = [
                [key, " ".join(map(str, value)) if isinstance(value, list) else value]
                for key, value in data.items()
            ]
            return "".join(csv_lines(["field", "error"], rows)).encode("utf-8")
        return b""


def csv_cell(value: Any) -> str | int | float | Decimal:
    """One cell: typed values as such, text neutralised against formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Model):
        value = str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text, one line at a time (for StreamingHttpResponse)."""
    writer = csv.writer(_Echo())
    yield writer.writerow([csv_cell(column) for column in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@dataclass(frozen=True)
class CsvColumn:
    """A column: its header and where the value comes from (a dotted attribute path or a callable).

    The path defaults to the header; a missing link in the path (``None``) gives an empty cell.
    """

    header: str
    source: str | Callable[[Any], Any] | None = None

    def value(self, obj: Any) -> Any:
        source = self.source if self.source is not None else self.header
        if callable(source):
            return source(obj)
        for part in source.split("."):
            if obj is None:
                return None
            obj = getattr(obj, part)
            if callable(obj) and not isinstance(obj, Model):
                obj = obj()
        return obj


def _rows(queryset: QuerySet[Any] | Iterable[Any], columns: Sequence[CsvColumn]) -> Iterator[list[Any]]:
    objects = queryset.iterator(chunk_size=CHUNK_SIZE) if isinstance(queryset, QuerySet) else queryset
    for obj in objects:
        yield [column.value(obj) for column in columns]


if TYPE_CHECKING:
    # Mixed into DRF list viewsets only: typed against them, super().list() and the viewset's
    # queryset methods have DRF's types (see portal.api.mixins).
    from rest_framework.generics import GenericAPIView
    from rest_framework.mixins import ListModelMixin

    class _ListView(ListModelMixin, GenericAPIView):
        pass

else:
    _ListView = object


class CsvExportMixin(_ListView):
    """Adds ``?format=csv`` to a viewset's ``list`` (see the module docstring)."""

    csv_columns: Sequence[CsvColumn] = ()
    csv_filename = "export.csv"
    csv_audit_action: str | None = None
    # api_settings resolves the setting's import strings to classes (the stubs type the raw setting).
    renderer_classes: Sequence[type[BaseRenderer]] = [
        *cast("list[type[BaseRenderer]]", api_settings.DEFAULT_RENDERER_CLASSES),
        CsvRenderer,
    ]

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            return renderers
        return [renderer for renderer in renderers if not isinstance(renderer, CsvRenderer)]

    def wants_csv(self, request: Request) -> bool:
        renderer = getattr(request, "accepted_renderer", None)
        return renderer is not None and getattr(renderer, "format", None) == "csv"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.wants_csv(request):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        if self.csv_audit_action:
            from portal.audit import audit_record

            audit_record(
                action=self.csv_audit_action,
                actor=request.user,
                object_type=queryset.model._meta.label_lower,
                changes={"query": request.query_params.urlencode()[:1000]},
            )
        streamed = csv_response(
            [column.header for column in self.csv_columns],
            _rows(queryset, self.csv_columns),
            filename=self.csv_filename,
        )
        # DRF hands a view's answer to Django as it is (finalize_response only decorates Response
        # objects), so a streamed CSV may stand where list() promises a Response.
        return streamed  # type: ignore[return-value]
