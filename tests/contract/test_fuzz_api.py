"""The API contract, fuzzed: schemathesis against a live server, once per role.

Every operation of the published schema gets a bounded number of generated
requests (``SCHEMATHESIS_EXAMPLES`` per operation and role, default 2) with
a token of the role's user (one user per role, an incident to find). Checks: no 5xx, and every
documented response matches its schema. Token management is left out of the
destructive methods only (deleting or revoking the caller's own token would
end the run), and so are the webhook receivers, which are not called with
tokens (tests/integrations covers them).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from portal.tokens import api_token_create

ROLES = ["admin", "compliance", "responder", "author", "auditor"]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "2"))
DESTRUCTIVE = {"DELETE", "POST", "PUT", "PATCH"}


def skipped(method: str, path: str) -> bool:
    if path.endswith("/webhook/"):
        return True
    return path.startswith("/api/v1/auth/tokens") and method.upper() in DESTRUCTIVE


@pytest.fixture
def api_schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def people(tx_db, settings, admin_user, compliance_officer, responder, author, auditor, incident) -> None:
    """One user per role (usernames as in the demo) and an incident for ids to hit."""
    settings.MFA_REQUIRED_GROUPS = []
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "10000/min"}}


def fuzz(role: str, api_schema: dict[str, Any], base_url: str) -> list[str]:
    user = get_user_model().objects.get(username=role)
    key = api_token_create(user=user, name="fuzz", actor=user).key
    schema = schemathesis.openapi.from_dict(api_schema)
    headers = {"Authorization": f"Token {key}"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if skipped(operation.method, operation.path):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=60)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a FailureGroup
            failures.append(f"[{role}] {operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    return failures


def test_no_server_error_and_no_schema_violation_for_any_role(people, api_schema, live_server):
    """One live server and one data set for all five roles, each with its own token."""
    failures: list[str] = []
    for role in ROLES:
        failures += fuzz(role, api_schema, live_server.url)
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
