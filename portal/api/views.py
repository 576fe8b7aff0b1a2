from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import permissions as rules
from portal.api.fields import UserSummarySerializer
from portal.api.serializers import (
    ApiTokenSerializer,
    IssuedTokenSerializer,
    TokenCreateSerializer,
    TokenRequestSerializer,
)
from portal.client_ip import ClientIpScopedRateThrottle
from portal.identity.tokens import second_factor_refusal
from portal.models import ApiToken
from portal.tokens import IssuedToken, api_token_create, api_token_revoke
from portal.users import acting_user


def _issued(issued: IssuedToken) -> dict[str, Any]:
    return {
        "token": issued.key,
        "id": issued.token.pk,
        "name": issued.token.name,
        "expires_at": issued.token.expires_at,
    }


def _check_expiry(expires_at: Any) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})


class ObtainTokenView(APIView):
    """Exchange a username and password (and, for accounts that need a second
    factor, a current one-time code as ``otp``) for a personal API token (shown once).

    Failed passwords count towards the same per-account-and-address lockout as
    the web and admin sign-in; a locked-out account gets 429 with the time it lifts.
    """

    public = True
    authentication_classes: list[Any] = []
    throttle_classes = [ClientIpScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={201: IssuedTokenSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _check_expiry(data.validated_data["expires_at"])
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response({"detail": "Invalid username or password."}, status=status.HTTP_400_BAD_REQUEST)
        refusal = second_factor_refusal(user, data.validated_data["otp"])
        if refusal is not None:
            return Response({"detail": refusal.detail}, status=refusal.status, headers=refusal.headers)
        issued = api_token_create(
            user=user,
            name=data.validated_data["name"] or "API token",
            expires_at=data.validated_data["expires_at"],
            actor=user,
        )
        return Response(IssuedTokenSerializer(_issued(issued)).data, status=status.HTTP_201_CREATED)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your own API tokens: list, create (the key is shown once), revoke."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    required_permissions = rules.API_TOKEN_VIEWSET

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=acting_user(self.request))

    @extend_schema(request=TokenCreateSerializer, responses={201: IssuedTokenSerializer})
    def create(self, request: Request) -> Response:
        data = TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _check_expiry(data.validated_data["expires_at"])
        issued = api_token_create(
            user=acting_user(request),
            name=data.validated_data["name"] or "API token",
            expires_at=data.validated_data["expires_at"],
            actor=acting_user(request),
        )
        return Response(IssuedTokenSerializer(_issued(issued)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = api_token_revoke(token=self.get_object(), actor=acting_user(request))
        return Response(ApiTokenSerializer(token).data)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        api_token_revoke(token=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Active users, for pickers (id, username, name)."""

    serializer_class = UserSummarySerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = [filters.SearchFilter]
    search_fields = ["username", "first_name", "last_name"]
    required_permissions = rules.USER_VIEWSET

    def get_queryset(self) -> Any:
        return get_user_model().objects.filter(is_active=True).order_by("username")
