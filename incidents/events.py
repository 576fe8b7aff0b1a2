"""The domain events of the incidents app (see ``portal.events``).

Published by the incident services inside the transaction of the change;
compliance recomputes obligations from them, integrations tells subscribed
systems.
"""

from portal.events import DomainEvent

incident_created = DomainEvent(
    "incident.created",
    payload=("incident", "actor"),
    description="An incident (or exercise) was declared.",
)
incident_status_changed = DomainEvent(
    "incident.status_changed",
    payload=("incident", "actor", "action", "previous_status", "changed_at"),
    description="An incident moved along its lifecycle (acknowledged, resolved, reopened, ...).",
)
incident_facts_changed = DomainEvent(
    "incident.facts_changed",
    payload=("incident", "actor", "fields"),
    description=(
        "Recorded facts of an incident changed (times, classification, flags); "
        "``fields`` names the changed fields."
    ),
)
