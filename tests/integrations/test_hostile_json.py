"""Inbound webhooks (anonymous, signed) refuse hostile JSON with a 400 that names the problem."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from integrations.choices import InboundOutcome
from integrations.models import InboundDelivery

BODIES = {
    "overflow": (b'{"event_id": "e1", "title": 1e999}', "out of range"),
    "nan": (b'{"event_id": "e1", "title": NaN}', "NaN"),
    "nested": (b'{"event_id": "e1", "x": ' + b"[" * 300 + b"]" * 300 + b"}", "nested deeper than 64"),
    "huge array": (b'{"event_id": "e1", "x": [' + b",".join([b"1"] * 10_001) + b"]}", "at most 10000"),
}


@pytest.mark.parametrize("name", BODIES)
@pytest.mark.parametrize("vendor", ["generic", "pagerduty", "squadcast"])
def test_a_hostile_webhook_body_is_refused_and_recorded(send, request, vendor, name):
    integration = request.getfixturevalue(vendor)
    body, reason = BODIES[name]
    response = send(integration, body)
    assert response.status_code == 400, response.content
    assert reason in response.json()["detail"]
    delivery = InboundDelivery.objects.get(pk=response.json()["delivery"])
    assert delivery.outcome == InboundOutcome.INVALID
    assert not Incident.objects.exists()
