from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import permissions as rules
from integrations import selectors, services
from integrations.api.serializers import (
    InboundDeliverySerializer,
    IntegrationCreateSerializer,
    IntegrationSerializer,
    IntegrationWriteSerializer,
    IssuedIntegrationSerializer,
    IssuedSubscriptionSerializer,
    RotateSecretSerializer,
    WebhookDeliverySerializer,
    WebhookReceiptSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionWriteSerializer,
)
from integrations.choices import DeliveryState, InboundOutcome
from integrations.inbound import max_body_bytes, webhook_receive
from integrations.models import Integration, WebhookSubscription
from portal.api.mixins import ServiceWriteMixin
from portal.api.parsers import PortalJSONParser
from portal.filters import StrictOrderingFilter
from portal.users import acting_user

ID = r"[0-9]{1,18}"


def _issued(serializer_class: type, instance: Any, secret: str, request: Request) -> dict[str, Any]:
    data = serializer_class(instance, context={"request": request}).data
    return {**data, "secret": secret}


def _choice_filter(request: Request, name: str, values: list[str]) -> str | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value not in values:
        raise ValidationError({name: f"Choose one of {', '.join(values)}."})
    return value


class _AsTheServiceSavedIt(ServiceWriteMixin):
    """Updates answer with the object the service saved, not a second read: that read would add
    nothing (no scoping, no version) and could reorder a JSON field's keys on PostgreSQL."""

    def read_back(self, instance: models.Model) -> models.Model:
        return instance


@extend_schema_view(
    partial_update=extend_schema(
        request=IntegrationWriteSerializer(partial=True), responses={200: IntegrationSerializer}
    ),
)
class IntegrationViewSet(_AsTheServiceSavedIt, viewsets.ModelViewSet):
    """Inbound integrations (administrators). The secret is shown once, on creation and rotation."""

    queryset = selectors.integration_list()
    serializer_class = IntegrationSerializer
    write_serializer_class = IntegrationWriteSerializer
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = [filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["name"]
    ordering_fields = ["name", "kind", "created_at"]
    required_permissions = rules.INTEGRATION_VIEWSET

    def get_write_serializer_class(self) -> type[serializers.BaseSerializer]:
        return IntegrationCreateSerializer if self.action == "create" else IntegrationWriteSerializer

    @extend_schema(request=IntegrationCreateSerializer, responses={201: IssuedIntegrationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Not the mixin's create: the answer carries the secret, which only the service's result has.
        values = self.write_input()
        integration, secret = services.integration_create(
            actor=acting_user(request), secret=values.pop("secret", None) or None, **values
        )
        return Response(
            _issued(IntegrationSerializer, integration, secret, request), status=status.HTTP_201_CREATED
        )

    def perform_service_update(self, instance: Integration, data: dict[str, Any]) -> Integration:
        return services.integration_update(integration=instance, actor=acting_user(self.request), data=data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.integration_delete(integration=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=RotateSecretSerializer, responses={200: IssuedIntegrationSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        data = RotateSecretSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        integration, secret = services.integration_rotate_secret(
            integration=self.get_object(),
            actor=acting_user(request),
            secret=data.validated_data.get("secret") or None,
        )
        return Response(_issued(IntegrationSerializer, integration, secret, request))

    @extend_schema(
        parameters=[
            OpenApiParameter("outcome", enum=InboundOutcome.values, required=False),
            OpenApiParameter("event_id", str, required=False),
        ],
        responses={200: InboundDeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """Every webhook request received for this integration, newest first."""
        deliveries = selectors.deliveries_visible_to(request.user, self.get_object())
        outcome = _choice_filter(request, "outcome", InboundOutcome.values)
        if outcome:
            deliveries = deliveries.filter(outcome=outcome)
        event_id = request.query_params.get("event_id")
        if event_id:
            deliveries = deliveries.filter(event_id=event_id[:200])
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(InboundDeliverySerializer(page, many=True).data)


class _AlwaysJson(BaseContentNegotiation):
    """A vendor's Accept header must never turn an accepted webhook into a 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class WebhookReceiveView(APIView):
    """Receive a vendor's webhook. No session or token: the vendor's signature (or shared
    secret header) is the credential. Answers 200 (applied, ignored or duplicate),
    400 (too large, malformed or not applicable), 401 (signature), 403 (inactive),
    404 (no such integration); every request to an existing integration is stored."""

    public = True
    authentication_classes: list[Any] = []
    parser_classes = [PortalJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AlwaysJson

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: WebhookReceiptSerializer,
            400: WebhookReceiptSerializer,
            401: WebhookReceiptSerializer,
            403: WebhookReceiptSerializer,
            404: OpenApiResponse(description="No such integration."),
            409: WebhookReceiptSerializer,
        },
        auth=[],
    )
    def post(self, request: Request, pk: str) -> Response:
        integration = (
            Integration.objects.select_related(
                "actor", "default_category", "default_severity", "default_legal_entity"
            )
            .filter(pk=int(pk))
            .first()
        )
        if integration is None:
            return Response({"detail": "No such integration."}, status=status.HTTP_404_NOT_FOUND)
        cap = max_body_bytes()
        # Read at most one byte more than the cap: a huge body is never held in memory.
        body = request._request.read(cap + 1)
        received = webhook_receive(
            integration=integration, body=body, too_large=len(body) > cap, headers=request.headers
        )
        return Response(
            {
                "delivery": received.delivery.pk,
                "outcome": received.delivery.outcome,
                "detail": received.detail,
            },
            status=received.status,
        )


@extend_schema_view(
    partial_update=extend_schema(
        request=WebhookSubscriptionWriteSerializer(partial=True),
        responses={200: WebhookSubscriptionSerializer},
    ),
)
class WebhookSubscriptionViewSet(_AsTheServiceSavedIt, viewsets.ModelViewSet):
    """Outbound webhooks (administrators): Standard Webhooks signed, retried with backoff.
    The whsec_ signing secret is shown once, on creation and rotation."""

    queryset = selectors.subscription_list()
    serializer_class = WebhookSubscriptionSerializer
    write_serializer_class = WebhookSubscriptionWriteSerializer
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = [filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["name", "target_url"]
    ordering_fields = ["name", "created_at"]
    required_permissions = rules.SUBSCRIPTION_VIEWSET

    @extend_schema(request=WebhookSubscriptionWriteSerializer, responses={201: IssuedSubscriptionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Not the mixin's create: the answer carries the signing secret, which only the service's result has.
        subscription, secret = services.subscription_create(actor=acting_user(request), **self.write_input())
        return Response(
            _issued(WebhookSubscriptionSerializer, subscription, secret, request),
            status=status.HTTP_201_CREATED,
        )

    def perform_service_update(
        self, instance: WebhookSubscription, data: dict[str, Any]
    ) -> WebhookSubscription:
        return services.subscription_update(subscription=instance, actor=acting_user(self.request), data=data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.subscription_delete(subscription=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: IssuedSubscriptionSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        subscription, secret = services.subscription_rotate_secret(
            subscription=self.get_object(), actor=acting_user(request)
        )
        return Response(_issued(WebhookSubscriptionSerializer, subscription, secret, request))

    @extend_schema(
        parameters=[OpenApiParameter("state", enum=DeliveryState.values, required=False)],
        responses={200: WebhookDeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """Events sent (or being sent) to this subscription, with every attempt."""
        deliveries = selectors.subscription_deliveries_visible_to(request.user, self.get_object())
        state = _choice_filter(request, "state", DeliveryState.values)
        if state:
            deliveries = deliveries.filter(state=state)
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
