from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import permissions as rules
from compliance.regimes import FactsError, assess_json
from compliance.selectors import active_custom_regimes


class AssessView(APIView):
    """Facts in, obligations with due times out (RULES.md section 5). Writes nothing.

    Add ``"explain": true`` to the body to learn, for every regime, why it
    did or did not apply.
    """

    required_permissions = rules.ASSESS

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "GDPR breach",
                request_only=True,
                value={
                    "entity": {
                        "name": "Example Bank AG",
                        "country": "DE",
                        "timezone": "Europe/Berlin",
                        "designations": ["gdpr-controller"],
                    },
                    "times": {"aware_at": "2026-03-27T16:30:00+01:00"},
                    "personal_data": {"involved": True, "risk": "high", "subjects": 1200},
                    "explain": True,
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        body: Any = request.data
        if not isinstance(body, dict):
            return Response({"detail": "Send a JSON object of facts."}, status=status.HTTP_400_BAD_REQUEST)
        facts = dict(body)
        explain = facts.pop("explain", False)
        if not isinstance(explain, bool):
            return Response({"explain": ["Must be true or false."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            result = assess_json(facts, custom_regimes=active_custom_regimes(), explain=explain)
        except FactsError as exc:
            return Response({exc.field or "detail": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(result)
