"""Legal entities and custom regimes are inputs of the engine's facts
(designations, country, subdivision, time zone, custom regimes): a change of
either recomputes the obligations of the incidents assessed under them, in
the transaction of the change."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from compliance.choices import ObligationStatus
from compliance.models import Assessment, CustomRegime, LegalEntity
from compliance.services.obligations import obligations_refresh
from incidents.choices import IncidentStatus
from incidents.models import Incident
from portal.users import User


def _incidents_following(entities: Q) -> list[Incident]:
    """Assessed incidents of these entities whose obligations can still change:
    not closed, or closed with an obligation still open."""
    incident_ids = (
        Assessment.objects.filter(entities)
        .filter(
            ~Q(incident__status=IncidentStatus.CLOSED)
            | Q(incident__obligations__status=ObligationStatus.OPEN)
        )
        .values_list("incident_id", flat=True)
        .distinct()
    )
    return list(Incident.objects.filter(pk__in=list(incident_ids)).order_by("pk"))


@transaction.atomic
def entity_changed(*, entity: LegalEntity, actor: User | None) -> int:
    """Recompute the obligations of the entity's incidents after the entity was saved.

    Returns how many incidents were recomputed.
    """
    incidents = _incidents_following(Q(entity=entity))
    for incident in incidents:
        obligations_refresh(incident=incident, actor=actor, reason=f"legal entity {entity.name} changed")
    return len(incidents)


@transaction.atomic
def custom_regime_changed(*, regime: CustomRegime, actor: User | None) -> int:
    """Recompute the obligations of every incident whose entity follows this custom regime."""
    incidents = _incidents_following(Q(entity__custom_regimes=regime))
    for incident in incidents:
        obligations_refresh(incident=incident, actor=actor, reason=f"custom regime {regime.code} changed")
    return len(incidents)


@transaction.atomic
def custom_regime_delete(*, regime: CustomRegime, actor: User | None) -> int:
    """Delete a custom regime; the incidents of the entities that followed it are recomputed
    (its open obligations are withdrawn)."""
    code = regime.code
    incidents = _incidents_following(Q(entity__custom_regimes=regime))
    regime.delete()
    for incident in incidents:
        obligations_refresh(incident=incident, actor=actor, reason=f"custom regime {code} deleted")
    return len(incidents)
