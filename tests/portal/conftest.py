"""Fixtures of other apps that the cross-cutting tests (panels, events) combine."""

from tests.compliance.conftest import bank  # noqa: F401
from tests.integrations.conftest import pagerduty  # noqa: F401
