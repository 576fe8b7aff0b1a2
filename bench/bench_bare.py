"""The bare baselines the portal is measured against, defined here and nowhere in the portal.

``BareIncidentList`` is a plain DRF ``ListAPIView`` with ``ModelSerializer``s of the same fields
and nesting as the portal's incident list, over the same queryset (the portal's selector, the same
filters and ordering), with plain page-number pagination. ``hello`` is the smallest DRF view.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.choices import actions_available
from incidents.models import Category, Incident, Playbook, RoleAssignment, Service, Severity, Team
from incidents.selectors import incident_list


class _User(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name"]

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


def _model(model_class: Any, names: list[str]) -> type[serializers.ModelSerializer]:
    meta = type("Meta", (), {"model": model_class, "fields": names})
    return type(f"Bare{model_class.__name__}", (serializers.ModelSerializer,), {"Meta": meta})


class _Holder(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    user = _User(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_name", "user", "assigned_at"]


class BareIncidentSerializer(serializers.ModelSerializer):
    severity = _model(Severity, ["id", "name", "rank", "colour"])(read_only=True)
    category = _model(Category, ["id", "name", "slug"])(read_only=True)
    services = _model(Service, ["id", "name"])(many=True, read_only=True)
    team = _model(Team, ["id", "name"])(read_only=True)
    playbook = _model(Playbook, ["id", "name"])(read_only=True)
    created_by = _User(read_only=True)
    roles = _Holder(source="active_roles", many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id", "reference", "title", "summary", "impact", "severity", "category", "services", "status",
            "occurred_at", "detected_at", "aware_at", "acknowledged_at", "contained_at", "resolved_at",
            "closed_at", "declined_at", "reopened_at", "is_restricted", "is_exercise", "team", "playbook",
            "created_by", "created_at", "updated_at", "version", "roles", "allowed_actions",
        ]  # fmt: skip

    def get_allowed_actions(self, incident: Incident) -> list[str]:
        return actions_available(incident.status)


class _Pages(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class BareIncidentList(generics.ListAPIView):
    serializer_class = BareIncidentSerializer
    pagination_class = _Pages
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> Any:
        params = self.request.query_params
        incidents = incident_list(self.request.user)
        if params.getlist("status"):
            incidents = incidents.filter(status__in=params.getlist("status"))
        if params.getlist("severity"):
            incidents = incidents.filter(severity__name__in=params.getlist("severity"))
        return incidents.order_by("-detected_at", "-id")


class Hello(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response({"hello": "world"})


urlpatterns = [
    path("bench/bare-incidents/", BareIncidentList.as_view()),
    path("bench/hello/", Hello.as_view()),
    path("", include("portal.urls")),
]

# Which database the reads of this thread go to (the KPI ratio reads two databases in turn).
current_alias: ContextVar[str | None] = ContextVar("current_alias", default=None)


class AliasRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return current_alias.get()

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return current_alias.get()


def install(router_too: bool = True) -> None:
    """Serve these URLs (and the portal's) and route reads by ``current_alias``."""
    from django.conf import settings
    from django.db import router
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "bench_bare"
    clear_url_caches()
    if router_too:
        router.__dict__.pop("routers", None)
        router._routers = [AliasRouter()]
