"""Keep obligations in line with the incident: a changed fact re-runs the engine.

Incident writes happen in the incidents app, which must not know about
compliance; its services save the incident inside their transaction, so a
post_save receiver recomputes the obligations in that same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from incidents.models import Incident

#: Incident fields that feed the regime engine (or switch it off).
FACT_FIELDS = frozenset({"aware_at", "detected_at", "status", "resolved_at", "is_exercise"})


@receiver(post_save, sender=Incident, dispatch_uid="compliance.refresh_obligations")
def refresh_obligations_on_incident_change(
    sender: type[Incident], instance: Incident, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    if created or kwargs.get("raw"):
        return
    if update_fields is not None and not (set(update_fields) & FACT_FIELDS):
        return
    from compliance.models import Assessment
    from compliance.services import obligations_refresh

    if not Assessment.objects.filter(incident_id=instance.pk).exists():
        return
    changed = sorted(set(update_fields) & FACT_FIELDS) if update_fields is not None else ["incident"]
    obligations_refresh(incident=instance, actor=None, reason=f"incident changed ({', '.join(changed)})")
