"""Exercises and the yearly exercise report, over HTTP."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import filters, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import permissions as rules
from incidents import services
from incidents.api.serializers import (
    ExerciseReportQuerySerializer,
    ExerciseReportSerializer,
    ExerciseSerializer,
    ExerciseStartSerializer,
    ExerciseWriteSerializer,
)
from incidents.api.views.base import ID
from incidents.filtersets import ExerciseFilterSet
from incidents.models import Exercise
from incidents.selectors import exercise_report, exercises_visible_to, incidents_visible_to
from portal.api.concurrency import expected_version, with_etag
from portal.audit import audit_record
from portal.downloads import attachment
from portal.filters import StrictOrderingFilter
from portal.pdf import render_pdf
from portal.users import acting_user

_YEAR = OpenApiParameter("year", int, description="Calendar year (server time zone); default: this year.")


class ExerciseViewSet(viewsets.ModelViewSet):
    """Tabletop exercises, simulations and full drills: scheduled ahead, then
    written up with findings and follow-up actions. An exercise whose practice
    incident is restricted is visible only to those who can see that incident."""

    queryset = Exercise.objects.all()
    serializer_class = ExerciseSerializer
    filterset_class = ExerciseFilterSet
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["title", "scenario"]
    ordering_fields = ["scheduled_for", "conducted_at", "title", "created_at"]
    ordering = ["-scheduled_for", "-id"]
    lookup_value_regex = ID
    required_permissions = rules.EXERCISE_VIEWSET

    def get_queryset(self) -> Any:
        return exercises_visible_to(self.request.user)

    def _respond(self, exercise: Exercise, status_code: int = status.HTTP_200_OK) -> Response:
        exercise = exercises_visible_to(self.request.user).get(pk=exercise.pk)
        return with_etag(Response(ExerciseSerializer(exercise).data, status=status_code), exercise.version)

    def _input(self, request: Request, *, partial: bool = False) -> dict[str, Any]:
        data = ExerciseWriteSerializer(
            data=request.data, partial=partial, incidents=incidents_visible_to(request.user)
        )
        data.is_valid(raise_exception=True)
        return data.validated_data

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        exercise = self.get_object()
        return with_etag(Response(ExerciseSerializer(exercise).data), exercise.version)

    @extend_schema(request=ExerciseWriteSerializer, responses={201: ExerciseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        exercise = services.exercise_create(actor=acting_user(request), data=self._input(request))
        return self._respond(exercise, status.HTTP_201_CREATED)

    @extend_schema(request=ExerciseWriteSerializer, responses={200: ExerciseSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        exercise = self.get_object()
        exercise = services.exercise_update(
            exercise=exercise,
            actor=acting_user(request),
            data=self._input(request, partial=kwargs.pop("partial", False)),
            expected_version=expected_version(request, required=False),
        )
        return self._respond(exercise)

    @extend_schema(request=ExerciseWriteSerializer, responses={200: ExerciseSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.exercise_delete(exercise=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ExerciseStartSerializer, responses={200: ExerciseSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Declare the practice incident (flagged is_exercise): the team is pulled in and the playbook applies."""
        exercise = self.get_object()
        data = ExerciseStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.exercise_start(
            exercise=exercise, actor=acting_user(request), severity=data.validated_data["severity"]
        )
        return self._respond(exercise)

    def _report(self, request: Request) -> dict[str, Any]:
        query = ExerciseReportQuerySerializer(
            data={"year": request.query_params.get("year", timezone.localdate().year)}
        )
        query.is_valid(raise_exception=True)
        return exercise_report(request.user, query.validated_data["year"])

    @extend_schema(parameters=[_YEAR], responses={200: ExerciseReportSerializer})
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def report(self, request: Request) -> Response:
        """The year's exercises: what was practised, by whom, what was found and
        what follows (ISO/IEC 27001 A.5.24-5.27 evidence); also those still planned."""
        return Response(ExerciseReportSerializer(self._report(request)).data)

    @extend_schema(parameters=[_YEAR], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="report/pdf", filter_backends=[], pagination_class=None)
    def report_pdf(self, request: Request) -> HttpResponse:
        """The yearly exercise report as PDF, as an attachment."""
        report = self._report(request)
        # PdfTooLarge (413) and PdfRenderError (503 + Retry-After) are answered by portal.api.exceptions.
        content = render_pdf("pdf/exercise_report.html", {"report": report})
        audit_record(
            action="exercise.report_exported",
            actor=request.user,
            object_type="incidents.exercise",
            object_id=str(report["year"]),
            object_repr=f"Exercise report {report['year']}",
            changes={"format": "pdf", "conducted": report["summary"]["conducted"]},
        )
        return attachment(
            content, content_type="application/pdf", filename=f"exercise-report-{report['year']}.pdf"
        )
