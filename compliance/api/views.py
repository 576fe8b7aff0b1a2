from __future__ import annotations

from typing import Any, cast

from django.db import models, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import filters, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import permissions as rules
from compliance import services
from compliance.api.serializers import (
    AssessmentDetailSerializer,
    AssessmentSerializer,
    AssessmentWriteSerializer,
    CommentInputSerializer,
    CustomRegimeSerializer,
    DesignationInfoSerializer,
    FeedUrlSerializer,
    LegalEntitySerializer,
    ObligationSerializer,
    RationaleInputSerializer,
    RegulatorReportSerializer,
    ReportCreateSerializer,
    ReportFieldsSerializer,
    SubmitInputSerializer,
)
from compliance.calendar import deadlines_calendar, feed_alarms, feed_token_rotate, feed_user
from compliance.choices import ObligationStatus, ReportAction
from compliance.documents import report_pdf_file
from compliance.filtersets import ObligationFilterSet, ReportFilterSet
from compliance.models import Assessment, CustomRegime, LegalEntity, Obligation, RegulatorReport
from compliance.regimes import DESIGNATION_CATALOGUE, FactsError, assess_json
from compliance.register import register_rows
from compliance.selectors import (
    assessments_visible_to,
    custom_regime_specs,
    obligations_visible_to,
    reports_visible_to,
)
from incidents.selectors import incidents_visible_to
from portal.api.concurrency import expected_version, with_etag
from portal.api.mixins import AuditedModelMixin, ServiceWriteMixin
from portal.audit import audit_record
from portal.downloads import attachment, stored_attachment
from portal.filters import StrictOrderingFilter
from portal.users import acting_user

ID = r"[0-9]{1,18}"


class AssessView(APIView):
    """Facts in, obligations with due times out (RULES.md section 5). Writes nothing.

    Add ``"explain": true`` to the body to learn, for every regime, why it
    did or did not apply.
    """

    required_permissions = rules.ASSESS

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "GDPR breach",
                request_only=True,
                value={
                    "entity": {
                        "name": "Example Bank AG",
                        "country": "DE",
                        "timezone": "Europe/Berlin",
                        "designations": ["gdpr-controller"],
                    },
                    "times": {"aware_at": "2026-03-27T16:30:00+01:00"},
                    "personal_data": {"involved": True, "risk": "high", "subjects": 1200},
                    "explain": True,
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        body: Any = request.data
        if not isinstance(body, dict):
            return Response({"detail": "Send a JSON object of facts."}, status=status.HTTP_400_BAD_REQUEST)
        facts = dict(body)
        explain = facts.pop("explain", False)
        if not isinstance(explain, bool):
            return Response({"explain": ["Must be true or false."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            result = assess_json(facts, custom_regimes=custom_regime_specs(), explain=explain)
        except FactsError as exc:
            return Response({exc.field or "detail": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(result)


class DesignationsView(APIView):
    """Every designation code an entity may carry, with its label and a one-line description:
    what a client offers as the checklist of an entity's designations."""

    required_permissions = rules.DESIGNATIONS

    @extend_schema(responses={200: DesignationInfoSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(DesignationInfoSerializer(DESIGNATION_CATALOGUE, many=True).data)


class LegalEntityViewSet(AuditedModelMixin, viewsets.ModelViewSet):
    """Legal entities with their designations and competent authorities (administrators write)."""

    queryset = LegalEntity.objects.prefetch_related("custom_regimes", "authorities")
    serializer_class = LegalEntitySerializer
    lookup_value_regex = ID
    filter_backends = [filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["name", "lei", "country"]
    ordering_fields = ["name", "country"]

    def perform_update(self, serializer: Any) -> None:
        # The entity is part of the facts: its incidents' obligations follow it in the same transaction.
        with transaction.atomic():
            super().perform_update(serializer)
            services.entity_changed(entity=serializer.instance, actor=acting_user(self.request))


class CustomRegimeViewSet(AuditedModelMixin, viewsets.ModelViewSet):
    """Administrator-defined regimes (internal policy, contracts, card brands)."""

    queryset = CustomRegime.objects.all()
    serializer_class = CustomRegimeSerializer
    lookup_value_regex = ID

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            super().perform_update(serializer)
            services.custom_regime_changed(regime=serializer.instance, actor=acting_user(self.request))

    def perform_destroy(self, instance: models.Model) -> None:
        # The mixin's signature takes any model; this viewset's queryset holds custom regimes only.
        regime = cast(CustomRegime, instance)
        actor = acting_user(self.request)
        with transaction.atomic():
            audit_record(
                action="customregime.deleted",
                actor=actor,
                obj=regime,
                changes={"deleted": self._fields(regime)},
            )
            services.custom_regime_delete(regime=regime, actor=actor)


class AssessmentViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """One compliance assessment per incident: the facts and decisions behind its obligations."""

    queryset = Assessment.objects.all()
    serializer_class = AssessmentSerializer
    write_serializer_class = AssessmentWriteSerializer
    lookup_value_regex = ID
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["entity", "incident", "risk", "personal_data_involved"]
    required_permissions = rules.ASSESSMENTS

    def get_queryset(self) -> Any:
        return assessments_visible_to(self.request.user).order_by("-updated_at", "-id")

    def get_serializer_class(self) -> Any:
        # One assessment is answered with its decisions and applicability; the list stays short.
        if self.action in {"retrieve", "create", "update", "partial_update"}:
            return AssessmentDetailSerializer
        return AssessmentSerializer

    @extend_schema(responses={200: AssessmentDetailSerializer})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self.get_object()
        return with_etag(Response(AssessmentDetailSerializer(assessment).data), assessment.version)

    def _save(self, request: Request, incident: Any, data: dict[str, Any], version: int | None) -> Assessment:
        actor = acting_user(request)
        decisions = data.pop("decisions", [])
        assessment = services.assessment_save(
            incident=incident, actor=actor, data=data, expected_version=version
        )
        for decision in decisions:
            services.decision_record(assessment=assessment, actor=actor, **decision)
        return assessment

    def perform_service_create(self, data: dict[str, Any]) -> Assessment:
        incident = data.pop("incident", None)
        if incident is None:
            raise ValidationError({"incident": "Name the incident to assess."})
        if not incidents_visible_to(self.request.user).filter(pk=incident.pk).exists():
            raise ValidationError({"incident": "No such incident."})
        if Assessment.objects.filter(incident=incident).exists():
            raise ValidationError({"incident": "This incident is assessed already; change that assessment."})
        with transaction.atomic():
            return self._save(self.request, incident, data, None)

    def perform_service_update(self, instance: Assessment, data: dict[str, Any]) -> Assessment:
        data.pop("incident", None)
        with transaction.atomic():
            self._save(self.request, instance.incident, data, expected_version(self.request, required=False))
        return instance

    @extend_schema(request=AssessmentWriteSerializer, responses={201: AssessmentDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=AssessmentWriteSerializer, responses={200: AssessmentDetailSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # PUT changes what it names, as PATCH does, and the input is checked against the assessment
        # it changes (its check constraints): not the mixin's plain write_input().
        assessment = self.get_object()
        data = self.get_write_serializer_class()(assessment, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return self.respond(self.perform_service_update(assessment, dict(data.validated_data)))

    @extend_schema(request=AssessmentWriteSerializer, responses={200: AssessmentDetailSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)


class ObligationViewSet(viewsets.ReadOnlyModelViewSet):
    """Obligations computed by the engine, ordered by due time; overdue is derived."""

    queryset = Obligation.objects.all()
    serializer_class = ObligationSerializer
    lookup_value_regex = ID
    filterset_class = ObligationFilterSet
    filter_backends = [DjangoFilterBackend]
    required_permissions = rules.OBLIGATIONS

    def get_queryset(self) -> Any:
        return (
            obligations_visible_to(self.request.user)
            .prefetch_related("due_changes", "reports")
            .select_related("decided_by")
        )

    @extend_schema(request=RationaleInputSerializer, responses={200: ObligationSerializer})
    @action(detail=True, methods=["post"])
    def not_required(self, request: Request, pk: str | None = None) -> Response:
        """Decide that no notification is needed (a rationale is required)."""
        data = RationaleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obligation = services.obligation_mark_not_required(
            obligation=self.get_object(),
            actor=acting_user(request),
            rationale=data.validated_data["rationale"],
        )
        return Response(ObligationSerializer(self.get_queryset().get(pk=obligation.pk)).data)

    @extend_schema(request=RationaleInputSerializer, responses={200: ObligationSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Undo a not-required decision."""
        data = RationaleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obligation = services.obligation_reopen(
            obligation=self.get_object(),
            actor=acting_user(request),
            rationale=data.validated_data["rationale"],
        )
        return Response(ObligationSerializer(self.get_queryset().get(pk=obligation.pk)).data)


def _report_action(name: str, input_serializer: type) -> Any:
    @extend_schema(request=input_serializer, responses={200: RegulatorReportSerializer})
    def run(self: RegulatorReportViewSet, request: Request, pk: str | None = None) -> Response:
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = None
        if name == ReportAction.SUBMIT:
            submission = services.SubmissionInput(
                reference=data.validated_data["submission_reference"],
                submitted_at=data.validated_data["submitted_at"],
            )
        report = services.report_transition(
            report=self.get_object(),
            action=name,
            actor=acting_user(request),
            comment=data.validated_data.get("comment", ""),
            submission=submission,
        )
        return self.respond(report)

    run.__name__ = name
    run.__doc__ = f"{ReportAction(name).label} (409 when the report's status does not allow it)."
    return action(detail=True, methods=["post"])(run)


class RegulatorReportViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Regulator reports: drafted, reviewed, approved by a second person, submitted and frozen.

    PATCH/PUT change ``fields`` of a draft and need ``If-Match: "<version>"``.
    """

    queryset = RegulatorReport.objects.all()
    serializer_class = RegulatorReportSerializer
    lookup_value_regex = ID
    filterset_class = ReportFilterSet
    filter_backends = [DjangoFilterBackend]
    required_permissions = rules.REPORTS

    def get_queryset(self) -> Any:
        return reports_visible_to(self.request.user).select_related("superseded_by")

    def get_write_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ReportCreateSerializer if self.action == "create" else ReportFieldsSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())

    def perform_service_create(self, data: dict[str, Any]) -> RegulatorReport:
        obligation = data["obligation"]
        if not obligations_visible_to(self.request.user).filter(pk=obligation.pk).exists():
            raise ValidationError({"obligation": "No such obligation."})
        return services.report_create(
            obligation=obligation, actor=acting_user(self.request), supersedes=data["supersedes"]
        )

    def perform_service_update(self, instance: RegulatorReport, data: dict[str, Any]) -> RegulatorReport:
        version = expected_version(self.request, required=True)
        assert version is not None  # required=True answers 428 instead of returning None
        services.report_update(
            report=instance,
            actor=acting_user(self.request),
            fields=data["fields"],
            expected_version=version,
            include_timeline=data["include_timeline"],
        )
        return instance

    @extend_schema(request=ReportCreateSerializer, responses={201: RegulatorReportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ReportFieldsSerializer, responses={200: RegulatorReportSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The If-Match comes first (428 before any 400), and PATCH reads the body as PUT does:
        # every key has a default, which a partial serializer would not fill in.
        report = self.get_object()
        expected_version(request, required=True)
        return self.respond(self.perform_service_update(report, self.write_input()))

    @extend_schema(request=ReportFieldsSerializer, responses={200: RegulatorReportSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.report_delete(report=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    submit_for_review = _report_action(ReportAction.SUBMIT_FOR_REVIEW, CommentInputSerializer)
    request_changes = _report_action(ReportAction.REQUEST_CHANGES, CommentInputSerializer)
    approve = _report_action(ReportAction.APPROVE, CommentInputSerializer)
    withdraw = _report_action(ReportAction.WITHDRAW, CommentInputSerializer)
    submit = _report_action(ReportAction.SUBMIT, SubmitInputSerializer)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The PDF: for a submitted report the stored bytes as sent; otherwise a fresh preview marked DRAFT."""
        file = report_pdf_file(self.get_object(), actor=acting_user(request))
        if file.sha256:
            return stored_attachment(
                file.content, content_type="application/pdf", filename=file.filename, sha256=file.sha256
            )
        return attachment(file.content, content_type="application/pdf", filename=file.filename)


class DeadlinesFeedView(APIView):
    """iCalendar feed of the open obligations you may see.

    Calendar apps that cannot sign in use the secret URL from
    ``POST /api/v1/compliance/deadlines/feed/`` (``?token=...``).
    """

    public = True

    @extend_schema(
        parameters=[OpenApiParameter("token", str, description="The secret of your feed URL.")],
        responses={(200, "text/calendar"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        user = request.user if request.user and request.user.is_authenticated else None
        key = request.query_params.get("token")
        if user is None and key:
            user = feed_user(key)
        if user is None:
            raise NotAuthenticated("Sign in, or use your feed URL with its token.")
        if not rules.can_view_obligations(user):
            return HttpResponse(status=status.HTTP_403_FORBIDDEN)
        obligations = obligations_visible_to(user).filter(status=ObligationStatus.OPEN)
        response = HttpResponse(
            deadlines_calendar(obligations, alarms=feed_alarms(user)),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


class FeedTokenView(APIView):
    """Create or rotate your secret calendar feed URL (the previous one stops working)."""

    required_permissions = rules.FEED_ROTATE

    @extend_schema(request=None, responses={201: FeedUrlSerializer})
    def post(self, request: Request) -> Response:
        key = feed_token_rotate(user=acting_user(request))
        url = request.build_absolute_uri(f"/api/v1/compliance/deadlines.ics?token={key}")
        return Response({"url": url}, status=status.HTTP_201_CREATED)


class BreachRegisterView(APIView):
    """Every assessed incident, notified or not, with decisions and rationale, as CSV."""

    required_permissions = rules.REGISTER

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> StreamingHttpResponse:
        assessments = (
            assessments_visible_to(request.user)
            .prefetch_related("incident__obligations")
            .order_by("incident__detected_at")
        )
        audit_record(
            action="register.exported",
            actor=request.user,
            object_type="compliance.register",
            object_repr="breach register",
        )
        response = StreamingHttpResponse(
            register_rows(assessments.iterator(chunk_size=200)), content_type="text/csv"
        )
        response["Content-Disposition"] = 'attachment; filename="breach-register.csv"'
        return response
