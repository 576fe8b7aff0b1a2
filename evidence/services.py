"""Evidence-pack requests from the web: recorded and audited, then generated in the background."""

from __future__ import annotations

from django.db import transaction

from evidence.models import EvidencePack
from evidence.pack import PackRequest
from evidence.tasks import generate_evidence_pack
from portal.audit import audit_record
from portal.users import User


@transaction.atomic
def pack_request(*, actor: User, request: PackRequest) -> EvidencePack:
    pack = EvidencePack.objects.create(
        requested_by=actor,
        period_from=request.period_from,
        period_to=request.period_to,
        incident_references=list(request.references),
        entity_id=request.entity_id,
    )
    audit_record(
        action="evidence_pack.requested",
        actor=actor,
        obj=pack,
        changes={
            "period": f"{request.period_from} to {request.period_to}",
            "incidents": list(request.references),
        },
    )
    transaction.on_commit(lambda: generate_evidence_pack.enqueue(pack.pk))
    return pack
