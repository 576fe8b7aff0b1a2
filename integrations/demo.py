"""Demo integration (called by ``seed_demo``): a generic monitoring tool whose first
webhooks went through the real receiver, so the deliveries page has something to show."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TextIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.models import Category, Service, Severity
from integrations import services, signing
from integrations.inbound import webhook_receive
from integrations.models import Integration

DEMO_NAME = "Monitoring (demo)"


def _send(integration: Integration, secret: str, msg_id: str, payload: dict[str, object]) -> None:
    body = json.dumps(payload).encode()
    now = int(timezone.now().timestamp())
    headers = signing.standard_headers([secret], msg_id, now, body)
    webhook_receive(integration=integration, body=body, too_large=False, headers=headers)


def seed_integrations(*, stdout: TextIO) -> None:
    if Integration.objects.filter(name=DEMO_NAME).exists():
        return
    admin = get_user_model().objects.filter(username="admin").first()
    category = Category.objects.filter(slug="system-outage").first()
    severities = {severity.name: severity for severity in Severity.objects.all()}
    if admin is None or category is None or "SEV3" not in severities:
        stdout.write("Integrations demo skipped: the demo users or defaults are missing.")
        return
    integration, secret = services.integration_create(
        actor=admin,
        kind="generic",
        name=DEMO_NAME,
        default_category=category,
        default_severity=severities["SEV3"],
        severity_mapping={name.replace("SEV", "P"): name for name in severities if name.startswith("SEV")},
    )
    now = timezone.now().replace(microsecond=0)
    service = Service.objects.filter(is_active=True).order_by("name").first()
    incident = {
        "id": "MON-1042",
        "title": "Checkout latency p99 above 2 s",
        "summary": "Synthetic checks from three regions see slow checkout pages.",
        "url": "https://monitoring.example/incidents/MON-1042",
        "service": service.name if service else "",
        "priority": "P2",
        "created_at": (now - timedelta(minutes=50)).isoformat(),
    }
    _send(
        integration,
        secret,
        "msg_demo_1042_triggered",
        {"type": "incident.triggered", "timestamp": incident["created_at"], "data": {"incident": incident}},
    )
    _send(
        integration,
        secret,
        "msg_demo_1042_acknowledged",
        {
            "type": "incident.acknowledged",
            "timestamp": (now - timedelta(minutes=44)).isoformat(),
            "data": {"incident": {"id": "MON-1042"}},
        },
    )
    stdout.write(
        f"Integrations: {DEMO_NAME} with 2 deliveries (rotate its secret in the API to send your own)."
    )
