"""The portal's JSON parser: every API view and the webhook endpoints parse through it."""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from portal import safejson


class PortalJSONParser(JSONParser):
    """DRF's JSON parser, with ``portal.safejson`` rules: a clear 400 before the view runs."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from exc
        try:
            return safejson.loads(text)
        except safejson.JSONRefused as exc:
            if exc.field:  # reported against the field, like any other validation error
                message = exc.reason if exc.path == exc.field else str(exc)
                raise ValidationError({exc.field: [message]}) from exc
            raise ParseError(f"JSON refused - {exc}") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
