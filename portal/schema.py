"""How drf-spectacular describes the portal: its token authentication, service-backed writes and areas."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from portal.api_areas import AREA_OF_APP, api_area


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
    """Groups operations by area and publishes a ServiceWriteMixin viewset's input serializer
    as its create/update request body."""

    def get_tags(self) -> list[str]:
        area = api_area(self.path) or AREA_OF_APP.get(type(self.view).__module__.split(".", 1)[0])
        return [area] if area else super().get_tags()

    def get_request_serializer(self) -> Any:
        write_serializer = getattr(self.view, "write_serializer_class", None)
        action = getattr(self.view, "action", None)
        if write_serializer is not None and action in {"create", "update", "partial_update"}:
            return write_serializer
        return super().get_request_serializer()
