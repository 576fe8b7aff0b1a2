from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import permissions as rules
from incidents import services
from incidents.api.serializers import (
    CategorySerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    IncidentCreateSerializer,
    IncidentRoleSerializer,
    IncidentSerializer,
    IncidentWriteSerializer,
    KpiQuerySerializer,
    KpiResponseSerializer,
    NoteInputSerializer,
    RoleAssignInputSerializer,
    RoleAssignmentSerializer,
    ServiceSerializer,
    SeveritySerializer,
    TimelineEventSerializer,
    TimelineMarkSerializer,
    TransitionInputSerializer,
)
from incidents.api.serializers.incident_rows import ROW_COLUMNS, incident_rows_data, listed_services
from incidents.api.views.base import ID, ConfigViewSet
from incidents.api.views.communications import IncidentCommunicationsMixin
from incidents.api.views.plan import IncidentPlanMixin
from incidents.choices import IncidentAction
from incidents.filtersets import IncidentFilterSet
from incidents.kpis import KpiFilters, incident_kpis
from incidents.models import Category, Evidence, Incident, IncidentRole, Service, Severity
from incidents.selectors import (
    evidence_for,
    incident_get,
    incident_list,
    incident_rows,
    incidents_visible_to,
    role_history_for,
    timeline_for,
)
from portal.api.concurrency import expected_version, with_etag
from portal.api.csv import CsvColumn, CsvExportMixin
from portal.api.pagination import CountedValues
from portal.audit import audit_record
from portal.filters import StrictOrderingFilter
from portal.users import acting_user


class SeverityViewSet(ConfigViewSet):
    queryset = Severity.objects.all()
    serializer_class = SeveritySerializer
    ordering_fields = ["rank", "name"]


class CategoryViewSet(ConfigViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    ordering_fields = ["name"]


class ServiceViewSet(ConfigViewSet):
    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    ordering_fields = ["name", "tier"]


class IncidentRoleViewSet(ConfigViewSet):
    queryset = IncidentRole.objects.all()
    serializer_class = IncidentRoleSerializer
    ordering_fields = ["order", "name"]


def _transition_action(name: str) -> Any:
    @extend_schema(request=TransitionInputSerializer, responses={200: IncidentSerializer})
    def transition(self: IncidentViewSet, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.incident_transition(
            incident=incident,
            action=name,
            actor=acting_user(request),
            note=data.validated_data["note"],
            at=data.validated_data["at"],
        )
        return self._respond(incident.pk)

    transition.__name__ = name
    transition.__doc__ = f"{IncidentAction(name).label} the incident (409 when its status does not allow it)."
    return action(detail=True, methods=["post"])(transition)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, many=True, description="One or more statuses."),
            OpenApiParameter("severity", str, many=True, description="Severity names or ids."),
        ]
    )
)
class IncidentViewSet(CsvExportMixin, IncidentPlanMixin, IncidentCommunicationsMixin, viewsets.ModelViewSet):
    """Incidents: CRUD, lifecycle actions, timeline, evidence, role holders,
    tasks, communications and escalations.

    Restricted incidents the caller may not see answer 404, like missing ones.
    """

    csv_filename = "incidents.csv"
    csv_audit_action = "incidents.exported"
    csv_columns = [
        CsvColumn("reference"),
        CsvColumn("title"),
        CsvColumn("status"),
        CsvColumn("severity", "severity.name"),
        CsvColumn("category", "category.name"),
        CsvColumn("services", lambda incident: "; ".join(s.name for s in listed_services(incident))),
        CsvColumn("occurred_at"),
        CsvColumn("detected_at"),
        CsvColumn("aware_at"),
        CsvColumn("acknowledged_at"),
        CsvColumn("contained_at"),
        CsvColumn("resolved_at"),
        CsvColumn("closed_at"),
        CsvColumn("is_restricted"),
        CsvColumn("is_exercise"),
        CsvColumn("created_by", "created_by.username"),
    ]
    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["reference", "title", "summary"]
    ordering_fields = [
        "detected_at",
        "occurred_at",
        "aware_at",
        "resolved_at",
        "created_at",
        "updated_at",
        "reference",
        "title",
        "status",
        "severity__rank",
    ]
    ordering = ["-detected_at", "-id"]
    lookup_value_regex = ID
    required_permissions = rules.INCIDENT_VIEWSET

    def get_queryset(self) -> Any:
        if self.action == "list":  # the CSV export (list() writes the JSON rows from column values)
            return incident_rows(self.request.user)
        return incident_list(self.request.user)

    def _respond(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        incident = incident_get(self.request.user, pk)
        response = Response(self.get_serializer(incident).data, status=status_code)
        return with_etag(response, incident.version)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self.wants_csv(request):
            return super().list(request, *args, **kwargs)
        # The same filters, ordering and page over column values: the rows are written from them
        # (byte-identical to the serializer, tests/incidents/test_incident_rows.py).
        rows = CountedValues(self.filter_queryset(incidents_visible_to(request.user)), *ROW_COLUMNS)
        page: list[Any] | None = self.paginate_queryset(rows)  # type: ignore[arg-type]  # count() and slices
        data = incident_rows_data(list(rows.rows) if page is None else page, timezone.get_current_timezone())
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        return with_etag(Response(self.get_serializer(incident).data), incident.version)

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Declare an incident: the matching playbook adds its tasks; ``team`` (or the playbook's team) is pulled in."""
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_create(actor=acting_user(request), **data.validated_data)
        return self._respond(incident.pk, status.HTTP_201_CREATED)

    @extend_schema(request=IncidentWriteSerializer, responses={200: IncidentSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        partial = kwargs.pop("partial", False)
        data = IncidentWriteSerializer(incident, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.incident_update(
            incident=incident,
            actor=acting_user(request),
            data=data.validated_data,
            expected_version=expected_version(request, required=False),
        )
        return self._respond(incident.pk)

    @extend_schema(request=IncidentWriteSerializer, responses={200: IncidentSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.incident_delete(incident=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    acknowledge = _transition_action(IncidentAction.ACKNOWLEDGE)
    contain = _transition_action(IncidentAction.CONTAIN)
    resolve = _transition_action(IncidentAction.RESOLVE)
    close = _transition_action(IncidentAction.CLOSE)
    decline = _transition_action(IncidentAction.DECLINE)
    reopen = _transition_action(IncidentAction.REOPEN)

    @extend_schema(methods=["GET"], responses={200: TimelineEventSerializer(many=True)})
    @extend_schema(methods=["POST"], request=NoteInputSerializer, responses={201: TimelineEventSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """The incident's timeline, oldest first; POST adds a note."""
        incident = self.get_object()
        if request.method == "POST":
            data = NoteInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            event = services.incident_add_note(
                incident=incident, actor=acting_user(request), **data.validated_data
            )
            return Response(TimelineEventSerializer(event).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(timeline_for(incident))
        return self.get_paginated_response(TimelineEventSerializer(page, many=True).data)

    @extend_schema(request=TimelineMarkSerializer, responses={200: TimelineEventSerializer})
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"timeline/(?P<event_id>[0-9]{1,18})",
        filter_backends=[],
    )
    def timeline_entry(self, request: Request, pk: str | None = None, event_id: str = "") -> Response:
        """Mark a timeline entry "for regulators" (``{"for_regulators": true}``) or unmark it."""
        incident = self.get_object()
        event = incident.timeline.filter(pk=int(event_id)).first()
        if event is None:
            raise NotFound("No such timeline entry.")
        data = TimelineMarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.timeline_mark_for_regulators(
            event=event, actor=request.user, for_regulators=data.validated_data["for_regulators"]
        )
        return Response(TimelineEventSerializer(event).data)

    @extend_schema(methods=["GET"], responses={200: EvidenceSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        """Evidence files; POST a multipart upload (field ``file``, optional ``description``)."""
        incident = self.get_object()
        if request.method == "POST":
            data = EvidenceUploadSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            evidence = services.evidence_add(
                incident=incident,
                actor=acting_user(request),
                upload=data.validated_data["file"],
                description=data.validated_data["description"],
            )
            return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(evidence_for(incident))
        return self.get_paginated_response(EvidenceSerializer(page, many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True, methods=["get"], url_path=rf"evidence/(?P<evidence_id>{ID})/download", filter_backends=[]
    )
    def download_evidence(
        self, request: Request, pk: str | None = None, evidence_id: str = ""
    ) -> FileResponse:
        """The stored file, as an attachment; only for those who may see the incident."""
        incident = self.get_object()
        try:
            evidence = evidence_for(incident).get(pk=int(evidence_id))
        except Evidence.DoesNotExist:
            raise Http404 from None
        audit_record(
            action="evidence.downloaded",
            actor=request.user,
            obj=evidence,
            changes={"incident": incident.reference, "sha256": evidence.sha256},
        )
        response = FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=evidence.download_name(),
            content_type=evidence.content_type
            if evidence.content_type != "text/plain"
            else "text/plain; charset=utf-8",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(methods=["GET"], responses={200: RoleAssignmentSerializer(many=True)})
    @extend_schema(methods=["POST"], request=RoleAssignInputSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def roles(self, request: Request, pk: str | None = None) -> Response:
        """Role assignments with their history; POST ``{role, user}`` hands a role over (user null vacates it)."""
        incident = self.get_object()
        if request.method == "POST":
            data = RoleAssignInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.incident_assign_role(
                incident=incident,
                role=data.validated_data["role"],
                user=data.validated_data["user"],
                actor=acting_user(request),
            )
            return self._respond(incident.pk)
        page = self.paginate_queryset(role_history_for(incident))
        return self.get_paginated_response(RoleAssignmentSerializer(page, many=True).data)


class KpiView(APIView):
    """MTTD, MTTA, MTTC and MTTR (seconds) per month x severity, over the incidents you can see."""

    required_permissions = rules.KPIS

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, many=True, description="Category slugs."),
            OpenApiParameter("severity", str, many=True, description="Severity names."),
            OpenApiParameter("detected_after", str, description="ISO 8601 with offset."),
            OpenApiParameter("detected_before", str, description="ISO 8601 with offset."),
            OpenApiParameter("include_exercises", bool),
        ],
        responses={200: KpiResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        query = KpiQuerySerializer(
            data={
                "category": [v for item in params.getlist("category") for v in item.split(",") if v],
                "severity": [v for item in params.getlist("severity") for v in item.split(",") if v],
                "detected_after": params.get("detected_after"),
                "detected_before": params.get("detected_before"),
                "include_exercises": params.get("include_exercises", "false"),
            }
        )
        query.is_valid(raise_exception=True)
        rows = incident_kpis(
            request.user,
            KpiFilters(
                categories=query.validated_data["category"],
                severities=query.validated_data["severity"],
                detected_after=query.validated_data["detected_after"],
                detected_before=query.validated_data["detected_before"],
                include_exercises=query.validated_data["include_exercises"],
            ),
        )
        return Response({"results": rows})
