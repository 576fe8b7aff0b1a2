"""Generating a pack and recording it: the part the background task and the command share."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from evidence.choices import ALLOWED_TRANSITIONS, PackStatus
from evidence.models import EvidencePack
from evidence.pack import PackRequest, PackResult, build_pack
from portal.audit import audit_record
from portal.users import User

logger = logging.getLogger(__name__)


def pack_dir() -> Path:
    return Path(settings.EVIDENCE_PACK_DIR)


def pack_audit(
    *, actor: Any, request: PackRequest, result: PackResult, via: str, pack_id: int | None = None
) -> None:
    """Generating a pack is itself on the record: who, which period, and the SHA-256 of what they got."""
    audit_record(
        action="evidence_pack.generated",
        actor=actor if isinstance(actor, User) else None,
        object_type="evidence.evidencepack",
        object_id=str(pack_id or ""),
        object_repr=f"Evidence pack {request.period_from} to {request.period_to}",
        changes={
            "via": via,
            "for_user": request.user.get_username(),
            "period": f"{request.period_from} to {request.period_to}",
            "incidents": list(request.references),
            "entity": request.entity_id,
            "incident_count": result.incident_count,
            "files": result.files,
            "size": result.size,
            "sha256": result.sha256,
        },
    )


def _move(pack_id: int, to: str, **values: Any) -> EvidencePack | None:
    with transaction.atomic():
        pack = EvidencePack.objects.select_for_update().get(pk=pack_id)
        if to not in ALLOWED_TRANSITIONS[pack.status]:
            return None
        pack.status = to
        for name, value in values.items():
            setattr(pack, name, value)
        pack.save(update_fields=["status", *values])
        return pack


def pack_generate(pack_id: int) -> EvidencePack | None:
    """Run by the background task: build the pack for the requester, as the requester may see it."""
    pack = _move(pack_id, PackStatus.RUNNING)
    if pack is None:
        return None  # already taken (a retried task) or finished
    request = PackRequest(
        user=pack.requested_by,
        period_from=pack.period_from,
        period_to=pack.period_to,
        references=tuple(pack.incident_references),
        entity_id=pack.entity_id,
    )
    directory = pack_dir()
    file_name = f"{secrets.token_hex(16)}.zip"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        result = build_pack(request, directory / file_name)
    except Exception as exc:
        logger.exception("Evidence pack %s failed", pack_id)
        with transaction.atomic():
            audit_record(
                action="evidence_pack.failed", actor=None, obj=pack, changes={"error": str(exc)[:500]}
            )
            return _move(pack_id, PackStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
    with transaction.atomic():
        pack_audit(actor=pack.requested_by, request=request, result=result, via="web", pack_id=pack.pk)
        return _move(
            pack_id,
            PackStatus.READY,
            file_name=file_name,
            size=result.size,
            sha256=result.sha256,
            incident_count=result.incident_count,
            finished_at=timezone.now(),
        )
