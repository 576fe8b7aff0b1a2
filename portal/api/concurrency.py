"""Optimistic concurrency over HTTP: ``ETag: "<version>"`` out, ``If-Match`` in."""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from portal.errors import PreconditionRequired

_VERSION_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def expected_version(request: Request, *, required: bool) -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "":
        if required:
            raise PreconditionRequired(
                'Send If-Match with the version you read, e.g. If-Match: "3", so that nobody\'s change is lost.'
            )
        return None
    match = _VERSION_TAG.match(header)
    if match is None:
        raise ValidationError({"If-Match": 'Expected a version such as "3".'})
    return int(match.group(1))


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response
