"""How drf-spectacular describes the portal: its token authentication, service-backed writes and areas."""

import re
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
        write_serializer = getattr(self.view, "get_write_serializer_class", None)
        action = getattr(self.view, "action", None)
        if write_serializer is not None and action in {"create", "update", "partial_update"}:
            return write_serializer()
        return super().get_request_serializer()


def _drop_invalid_defaults(node: Any) -> None:
    """A ``default`` must validate against its own schema: ``""`` is no email address or URI
    (an optional, blankable field says so with its ``oneOf`` empty-string branch instead)."""
    if isinstance(node, dict):
        if node.get("default") == "" and (
            node.get("format") in {"email", "uri", "uuid", "date", "date-time", "ipv4", "ipv6"}
            or int(node.get("minLength", 0)) > 0
            or ("pattern" in node and re.search(node["pattern"], "") is None)
        ):
            del node["default"]
        for value in node.values():
            _drop_invalid_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_invalid_defaults(value)


def _blank_allowed_formats(node: Any) -> None:
    """In responses an optional email or URL is sent as ``""``, which no ``format`` accepts: the
    output says only ``string`` (the request components keep the format for what clients send)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") in {"email", "uri"}:
            del node["format"]
        for value in node.values():
            _blank_allowed_formats(value)
    elif isinstance(node, list):
        for value in node:
            _blank_allowed_formats(value)


def postprocess_schema(result: dict[str, Any], generator: Any, request: Any, public: Any) -> dict[str, Any]:
    _drop_invalid_defaults(result)
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            _blank_allowed_formats(component)
    return result
