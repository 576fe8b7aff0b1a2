"""The response plan over HTTP: teams, playbooks, and each incident's tasks and escalations."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import filters, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import services
from incidents.api.serializers import (
    EscalationSerializer,
    IncidentSerializer,
    IncidentTaskSerializer,
    PlaybookSerializer,
    PlaybookWriteSerializer,
    TaskCompleteSerializer,
    TaskCreateSerializer,
    TaskReopenSerializer,
    TaskSkipSerializer,
    TeamPullInSerializer,
    TeamSerializer,
    TeamTypeSerializer,
    TeamWriteSerializer,
)
from incidents.api.views.base import ID, ConfigViewSet, filtered
from incidents.choices import TaskAction
from incidents.filtersets import PlaybookFilterSet, TaskFilterSet, TeamFilterSet
from incidents.models import Incident, IncidentTask, Playbook, Team, TeamType
from incidents.selectors import current_holders, escalations_for, playbook_list, tasks_for, team_list
from portal.api.mixins import AuditedModelMixin, ServiceWriteMixin
from portal.filters import StrictOrderingFilter
from portal.users import acting_user


class TeamTypeViewSet(ConfigViewSet):
    """Kinds of response team (central, distributed, coordinating, CSIRT, crisis management...)."""

    queryset = TeamType.objects.all()
    serializer_class = TeamTypeSerializer
    ordering_fields = ["order", "name"]


class TeamViewSet(ServiceWriteMixin, AuditedModelMixin, viewsets.ModelViewSet):
    """Response teams with their roster: who can hold which incident role, the
    primary and deputy per role, contact details and escalation contacts.
    Everyone with a role reads them; administrators write them."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    write_serializer_class = TeamWriteSerializer
    filterset_class = TeamFilterSet
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]
    lookup_value_regex = ID

    def get_queryset(self) -> Any:
        return team_list()

    def perform_service_create(self, data: dict[str, Any]) -> Team:
        return services.team_save(actor=acting_user(self.request), data=data)

    def perform_service_update(self, instance: Team, data: dict[str, Any]) -> Team:
        return services.team_save(actor=acting_user(self.request), team=instance, data=data)


class PlaybookViewSet(ServiceWriteMixin, AuditedModelMixin, viewsets.ModelViewSet):
    """Playbooks per category and minimum severity: ordered tasks, escalation
    rules and communication guidelines. Everyone with a role reads them;
    administrators write them."""

    queryset = Playbook.objects.all()
    serializer_class = PlaybookSerializer
    write_serializer_class = PlaybookWriteSerializer
    filterset_class = PlaybookFilterSet
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at"]
    lookup_value_regex = ID

    def get_queryset(self) -> Any:
        return playbook_list()

    def perform_service_create(self, data: dict[str, Any]) -> Playbook:
        return services.playbook_save(actor=acting_user(self.request), data=data)

    def perform_service_update(self, instance: Playbook, data: dict[str, Any]) -> Playbook:
        return services.playbook_save(actor=acting_user(self.request), playbook=instance, data=data)


def _task_action(name: TaskAction, input_serializer: type, url_name: str) -> Any:
    @extend_schema(request=input_serializer, responses={200: IncidentTaskSerializer})
    def transition(self: Any, request: Request, pk: str | None = None, task_id: str = "") -> Response:
        incident = self.get_object()
        task = self._task(incident, task_id)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.task_transition(
            task=task,
            action=name,
            actor=acting_user(request),
            note=values.get("reason") or values.get("note", ""),
            at=values.get("at"),
        )
        return Response(self._task_data(incident, tasks_for(incident).get(pk=task.pk)))

    transition.__name__ = f"{name}_task"
    transition.__doc__ = {
        TaskAction.COMPLETE: "Mark the task done (409 unless it is open).",
        TaskAction.SKIP: "Skip the task; a reason is required (409 unless it is open).",
        TaskAction.REOPEN: "Reopen a done or skipped task.",
    }[name]
    return action(
        detail=True,
        methods=["post"],
        url_path=rf"tasks/(?P<task_id>{ID})/{name}",
        url_name=url_name,
        filter_backends=[],
    )(transition)


class IncidentPlanMixin:
    """The incident's checklist, its escalations, and pulling in a team (actions of IncidentViewSet)."""

    def _task(self, incident: Incident, task_id: str) -> IncidentTask:
        try:
            return tasks_for(incident).get(pk=int(task_id))
        except IncidentTask.DoesNotExist:
            raise Http404 from None

    def _task_context(self, incident: Incident) -> dict[str, Any]:
        return {"holders": current_holders(incident), "now": timezone.now()}

    def _task_data(self, incident: Incident, task: IncidentTask) -> Any:
        return IncidentTaskSerializer(task, context=self._task_context(incident)).data

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter(
                "status", str, many=True, description="open, done, skipped (repeat or comma-separate)."
            ),
            OpenApiParameter("role", str, many=True, description="Role slugs or ids."),
        ],
        responses={200: IncidentTaskSerializer(many=True)},
    )
    @extend_schema(methods=["POST"], request=TaskCreateSerializer, responses={201: IncidentTaskSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def tasks(self, request: Request, pk: str | None = None) -> Response:
        """The incident's checklist in order (playbook tasks first); POST adds a task."""
        incident = self.get_object()  # type: ignore[attr-defined]
        if request.method == "POST":
            task_input = TaskCreateSerializer(data=request.data)
            task_input.is_valid(raise_exception=True)
            task = services.task_create(incident=incident, actor=acting_user(request), **task_input.validated_data)
            return Response(
                self._task_data(incident, tasks_for(incident).get(pk=task.pk)), status=status.HTTP_201_CREATED
            )
        queryset = filtered(TaskFilterSet, request, tasks_for(incident))
        page = self.paginate_queryset(queryset)  # type: ignore[attr-defined]
        data = IncidentTaskSerializer(page, many=True, context=self._task_context(incident)).data
        return self.get_paginated_response(data)  # type: ignore[attr-defined]

    complete_task = _task_action(TaskAction.COMPLETE, TaskCompleteSerializer, "task-complete")
    skip_task = _task_action(TaskAction.SKIP, TaskSkipSerializer, "task-skip")
    reopen_task = _task_action(TaskAction.REOPEN, TaskReopenSerializer, "task-reopen")

    @extend_schema(responses={200: EscalationSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def escalations(self, request: Request, pk: str | None = None) -> Response:
        """Targets this incident missed and who was told (written by ``run_escalations``)."""
        incident = self.get_object()  # type: ignore[attr-defined]
        page = self.paginate_queryset(escalations_for(incident))  # type: ignore[attr-defined]
        return self.get_paginated_response(EscalationSerializer(page, many=True).data)  # type: ignore[attr-defined]

    @extend_schema(request=TeamPullInSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def team(self, request: Request, pk: str | None = None) -> Response:
        """Pull a team in after declaration: it becomes the incident's team and fills the vacant roles."""
        incident = self.get_object()  # type: ignore[attr-defined]
        data = TeamPullInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.incident_pull_in_team(
            incident=incident, team=data.validated_data["team"], actor=acting_user(request)
        )
        return self._respond(incident.pk)  # type: ignore[attr-defined]
