"""How drf-spectacular describes the portal: its token authentication and service-backed writes."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Personal API token, sent as "Token <key>" (POST /api/v1/auth/token/).',
        }


class PortalAutoSchema(AutoSchema):
    """Publishes a ServiceWriteMixin viewset's input serializer as its create/update request body."""

    def get_request_serializer(self) -> Any:
        write_serializer = getattr(self.view, "get_write_serializer_class", None)
        action = getattr(self.view, "action", None)
        if write_serializer is not None and action in {"create", "update", "partial_update"}:
            return write_serializer()
        return super().get_request_serializer()
