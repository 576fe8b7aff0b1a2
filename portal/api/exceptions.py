"""API error shapes: domain errors become 409, bad input 400, never a 500."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.constraints import integrity_error_response_detail, name_constraint_errors
from portal.errors import ConflictError, DomainError, PreconditionFailed, PreconditionRequired
from portal.pdf import PdfRenderError, PdfTooLarge

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class PreconditionFailedError(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it; reload and try again."
    default_code = "precondition_failed"


class PreconditionRequiredError(exceptions.APIException):
    status_code = 428
    default_detail = 'This update needs an If-Match header with the version you read, e.g. If-Match: "3".'
    default_code = "precondition_required"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PreconditionFailed):
        exc = PreconditionFailedError(str(exc) or None)
    elif isinstance(exc, PreconditionRequired):
        exc = PreconditionRequiredError(str(exc) or None)
    elif isinstance(exc, ConflictError | DomainError):
        exc = Conflict(str(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict("Still in use: other records refer to it. Deactivate it instead.")
    elif isinstance(exc, PdfTooLarge):
        return Response(
            {"detail": f"{exc} Shorten the text (fields, sections) and try again."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, PdfRenderError):
        logger.warning("PDF rendering refused the request: %s", exc)
        response = Response(
            {"detail": f"The PDF could not be made: {exc} Nothing was changed; try again in a minute."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = "60"
        return response
    elif isinstance(exc, IntegrityError):
        # A constraint only the database saw (a race, or one no serializer mirrors): name the field.
        status_code, body = integrity_error_response_detail(exc)
        logger.warning("IntegrityError answered %s: %s", status_code, exc)
        return Response(body, status=status_code)
    elif isinstance(exc, DjangoValidationError):
        detail: Any = name_constraint_errors(exc.error_dict) if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
