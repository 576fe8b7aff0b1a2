"""Who may generate and download evidence packs (used by the views and the panel alike)."""

from __future__ import annotations

from evidence.models import EvidencePack
from portal.permissions import can_view_audit_trail
from portal.users import Viewer


def can_generate_evidence_pack(user: Viewer) -> bool:
    return bool(user.is_authenticated and user.has_perm("evidence.add_evidencepack"))


def can_download_evidence_pack(user: Viewer, pack: EvidencePack) -> bool:
    """Only the requester: the pack holds what *they* may see, which may be more than others may."""
    return bool(
        user.is_authenticated
        and user.has_perm("evidence.view_evidencepack")
        and pack.requested_by_id == user.pk
    )


def sees_packs_only(user: Viewer) -> bool:
    """Compliance officers generate packs but do not read the audit trail: their menu says so."""
    return can_generate_evidence_pack(user) and not can_view_audit_trail(user)
