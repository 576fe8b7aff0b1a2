"""Every access rule of the evidence app, in one place.

Auditors, compliance officers and administrators generate evidence packs and
download their own. The app has no API; its two pages (the request form and
the download) check the page requirements through ``RoleRequiredMixin``, its
panel and menu entry ask the predicates. What goes *into* a pack is not a
rule of this app: each app's selectors give the requester what they may see
(``evidence.collect``), and the audit segment follows
``portal.permissions.can_view_audit_trail``.
"""

from __future__ import annotations

from evidence.models import EvidencePack
from portal.permissions import can_view_audit_trail
from portal.users import Viewer

ADD_EVIDENCE_PACK = ["evidence.add_evidencepack"]
VIEW_EVIDENCE_PACK = ["evidence.view_evidencepack"]

# --- the pages ------------------------------------------------------------------------------------------

#: The request form (POST) and the panel's list of packs it polls (GET).
PAGE_REQUEST_PACK = ADD_EVIDENCE_PACK
#: The download; whose pack it is is the predicate's question (anyone else's answers 404).
PAGE_DOWNLOAD_PACK = VIEW_EVIDENCE_PACK

# --- who may do what --------------------------------------------------------------------------------


def can_generate_evidence_pack(user: Viewer) -> bool:
    return bool(user.is_authenticated and user.has_perms(ADD_EVIDENCE_PACK))


def can_download_own_packs(user: Viewer) -> bool:
    return bool(user.is_authenticated and user.has_perms(VIEW_EVIDENCE_PACK))


def can_download_evidence_pack(user: Viewer, pack: EvidencePack) -> bool:
    """Only the requester: the pack holds what *they* may see, which may be more than others may."""
    return can_download_own_packs(user) and pack.requested_by_id == user.pk


def sees_packs_only(user: Viewer) -> bool:
    """Compliance officers generate packs but do not read the audit trail: their menu says so."""
    return can_generate_evidence_pack(user) and not can_view_audit_trail(user)
