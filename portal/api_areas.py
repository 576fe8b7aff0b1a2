"""The areas the API docs group operations by (OpenAPI tags), kept free of DRF imports so
that settings can list them (``SPECTACULAR_SETTINGS["TAGS"]``)."""

from __future__ import annotations

# The areas the API docs group operations by (the OpenAPI tags), in the order they are listed,
# each with what it covers. Which area a path belongs to is decided by its first segment after /api/v1/.
API_AREAS: dict[str, str] = {
    "incidents": (
        "Incidents and their lifecycle, roles, timeline, evidence and tasks; the catalogues they use "
        "(severities, categories, services, incident roles) and the response KPIs."
    ),
    "response plan": (
        "How the organisation prepares: teams and team types, playbooks, stakeholder message templates "
        "and exercises with their reports."
    ),
    "compliance": (
        "Legal entities, assessments and the regulatory obligations they start, regulator reports with "
        "four-eyes approval, the deadline calendar, the breach register and the regime engine."
    ),
    "post-mortems": (
        "Post-mortems with their review and publication, templates, contributing-factor categories, "
        "action items and post-mortem KPIs."
    ),
    "integrations": "Inbound integrations (alerting and ticketing webhooks) and outbound webhook subscriptions.",
    "accounts": "Personal API tokens and the users the API can name.",
}
AREA_OF_SEGMENT: dict[str, str] = {
    "incidents": "incidents",
    "severities": "incidents",
    "categories": "incidents",
    "services": "incidents",
    "incident-roles": "incidents",
    "kpis": "incidents",
    "teams": "response plan",
    "team-types": "response plan",
    "playbooks": "response plan",
    "stakeholder-templates": "response plan",
    "exercises": "response plan",
    "compliance": "compliance",
    "postmortems": "post-mortems",
    "postmortem-templates": "post-mortems",
    "postmortem-kpis": "post-mortems",
    "contributing-factor-categories": "post-mortems",
    "action-items": "post-mortems",
    "integrations": "integrations",
    "webhook-subscriptions": "integrations",
    "auth": "accounts",
    "users": "accounts",
}
# A path whose first segment is not listed above falls in the area of the app that serves it.
AREA_OF_APP: dict[str, str] = {
    "incidents": "incidents",
    "compliance": "compliance",
    "postmortems": "post-mortems",
    "integrations": "integrations",
    "portal": "accounts",
}
SPECTACULAR_TAGS = [{"name": name, "description": description} for name, description in API_AREAS.items()]


def api_area(path: str) -> str | None:
    """The area of an API path such as ``/api/v1/incidents/{id}/``, or None for an unknown one."""
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) < 3 or segments[:2] != ["api", "v1"]:
        return None
    return AREA_OF_SEGMENT.get(segments[2].split(".", 1)[0])
