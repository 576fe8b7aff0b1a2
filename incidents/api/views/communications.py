"""Stakeholder templates and the communications sent from them, over HTTP."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import filters, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import permissions as rules
from incidents import services
from incidents.api.serializers import (
    CommunicationInputSerializer,
    CommunicationSerializer,
    PreviewInputSerializer,
    RenderedMessageSerializer,
    StakeholderTemplateSerializer,
    StakeholderTemplateVersionSerializer,
    StakeholderTemplateWriteSerializer,
)
from incidents.api.views.base import ID, filtered
from incidents.filtersets import CommunicationFilterSet, StakeholderTemplateFilterSet
from incidents.models import Incident, StakeholderTemplate
from incidents.selectors import (
    communications_for,
    incident_get,
    stakeholder_template_list,
    template_versions_for,
)
from portal.api.concurrency import expected_version, with_etag
from portal.filters import StrictOrderingFilter
from portal.users import acting_user


class StakeholderTemplateViewSet(viewsets.ModelViewSet):
    """Reviewed stakeholder messages. Administrators write them (validated on
    save: unsafe or broken templates get 400 with the reason; each edit keeps
    the previous version); whoever can read incidents lists and previews them."""

    queryset = StakeholderTemplate.objects.all()
    serializer_class = StakeholderTemplateSerializer
    filterset_class = StakeholderTemplateFilterSet
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["name"]
    ordering_fields = ["name", "audience", "channel", "language", "updated_at"]
    lookup_value_regex = ID
    required_permissions = rules.STAKEHOLDER_TEMPLATE_VIEWSET

    def get_queryset(self) -> Any:
        return stakeholder_template_list()

    def _respond(self, template: StakeholderTemplate, status_code: int = status.HTTP_200_OK) -> Response:
        template = stakeholder_template_list().get(pk=template.pk)
        return with_etag(
            Response(StakeholderTemplateSerializer(template).data, status=status_code), template.version
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        return with_etag(Response(StakeholderTemplateSerializer(template).data), template.version)

    @extend_schema(request=StakeholderTemplateWriteSerializer, responses={201: StakeholderTemplateSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = StakeholderTemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.stakeholder_template_create(actor=acting_user(request), data=data.validated_data)
        return self._respond(template, status.HTTP_201_CREATED)

    @extend_schema(request=StakeholderTemplateWriteSerializer, responses={200: StakeholderTemplateSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        data = StakeholderTemplateWriteSerializer(data=request.data, partial=kwargs.pop("partial", False))
        data.is_valid(raise_exception=True)
        template = services.stakeholder_template_update(
            template=template,
            actor=acting_user(request),
            data=data.validated_data,
            expected_version=expected_version(request, required=False),
        )
        return self._respond(template)

    @extend_schema(request=StakeholderTemplateWriteSerializer, responses={200: StakeholderTemplateSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.stakeholder_template_delete(template=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PreviewInputSerializer, responses={200: RenderedMessageSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        """Render subject and body for an incident you can see (404 otherwise); nothing is recorded."""
        template = self.get_object()
        data = PreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            incident = incident_get(request.user, data.validated_data["incident"])
        except Incident.DoesNotExist:
            raise Http404 from None
        message = services.render_stakeholder_message(
            template, incident, next_update_at=data.validated_data["next_update_at"]
        )
        return Response(RenderedMessageSerializer(message).data)

    @extend_schema(responses={200: StakeholderTemplateVersionSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """The earlier versions of the template, newest first."""
        template = self.get_object()
        page = self.paginate_queryset(template_versions_for(template))
        return self.get_paginated_response(StakeholderTemplateVersionSerializer(page, many=True).data)


class IncidentCommunicationsMixin:
    """Communications on an incident (an action of IncidentViewSet)."""

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter("audience", str, many=True, description="Audiences (repeat or comma-separate)."),
            OpenApiParameter("channel", str, many=True, description="Channels (repeat or comma-separate)."),
        ],
        responses={200: CommunicationSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"], request=CommunicationInputSerializer, responses={201: CommunicationSerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def communications(self, request: Request, pk: str | None = None) -> Response:
        """Messages to stakeholders, newest first. POST renders a template for this
        incident, records it, and mails it once the transaction commits (email)
        or leaves it for the operator to post (status page, SMS, letter)."""
        incident = self.get_object()  # type: ignore[attr-defined]
        if request.method == "POST":
            data = CommunicationInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            communication = services.communication_send(
                incident=incident, actor=acting_user(request), **data.validated_data
            )
            return Response(CommunicationSerializer(communication).data, status=status.HTTP_201_CREATED)
        queryset = filtered(CommunicationFilterSet, request, communications_for(incident))
        page = self.paginate_queryset(queryset)  # type: ignore[attr-defined]
        return self.get_paginated_response(CommunicationSerializer(page, many=True).data)  # type: ignore[attr-defined]
