"""The integrations app's panel on the incident page (see ``portal.panels``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from incidents.models import Incident
from integrations.models import ExternalIncident
from portal.panels import Panel, register


def _vendor_links(request: HttpRequest, incident: Incident) -> Mapping[str, Any] | None:
    """The vendor incidents (PagerDuty, Opsgenie, ...) this incident came from, with their links."""
    links = list(ExternalIncident.objects.filter(incident=incident).select_related("integration"))
    return {"vendor_links": links} if links else None


register(
    Panel(
        "incident.side",
        "integrations.vendor_links",
        "integrations/panels/incident_vendor_links.html",
        _vendor_links,
        order=10,
    )
)
