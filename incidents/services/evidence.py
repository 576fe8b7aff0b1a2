"""Evidence files: type-checked by content, size-capped and hashed on the way in."""

from __future__ import annotations

import hashlib
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from incidents.choices import TimelineKind
from incidents.models import Evidence, Incident
from incidents.services.base import lock_incident, timeline_record
from portal.audit import audit_record
from portal.storage import files_follow_transaction
from portal.users import User

_SNIFF_BYTES = 64 * 1024


def detect_content_type(head: bytes) -> str | None:
    """Type of a file from its first bytes, never from the client's claim.

    Binary formats are recognised by their signatures; anything else counts
    as plain text only when it is valid UTF-8 without NUL bytes.
    """
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the sniffing window is still text.
        if exc.start < len(head) - 4:
            return None
    return "text/plain"


class _HashingFile(File):
    """Wraps an upload so that storing it also measures and hashes it, in one pass."""

    def __init__(self, upload: UploadedFile, limit: int) -> None:
        super().__init__(upload.file, name=upload.name)
        self._upload = upload
        self._limit = limit
        self.sha256 = hashlib.sha256()
        self.bytes_seen = 0

    def chunks(self, chunk_size: int | None = None) -> Any:
        for chunk in self._upload.chunks(chunk_size):
            self.bytes_seen += len(chunk)
            if self.bytes_seen > self._limit:
                raise ValidationError({"file": f"The file is larger than {self._limit} bytes."})
            self.sha256.update(chunk)
            yield chunk


@files_follow_transaction()  # an upload that rolls back leaves no file behind
@transaction.atomic
def evidence_add(*, incident: Incident, actor: User, upload: UploadedFile, description: str = "") -> Evidence:
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"file": f"The file is larger than the limit of {limit} bytes."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    content_type = detect_content_type(head)
    if content_type is None or content_type not in settings.EVIDENCE_ALLOWED_TYPES:
        shown = content_type or "unrecognised binary data"
        raise ValidationError({"file": f"This type of file is not accepted as evidence ({shown})."})
    incident = lock_incident(incident)
    original_name = (upload.name or "evidence").replace("\x00", "")[-255:]
    hashing = _HashingFile(upload, limit)
    evidence = Evidence(
        incident=incident,
        original_name=original_name,
        content_type=content_type,
        size=0,
        sha256="",
        description=description,
        uploaded_by=actor,
    )
    name = evidence.file.field.generate_filename(evidence, original_name)
    try:
        stored_name = evidence.file.storage.save(name, hashing)
    except ValidationError:
        evidence.file.storage.delete(name)
        raise
    evidence.file.name = stored_name
    # If anything below fails the row rolls back; the stored file must go too.
    try:
        evidence.size = hashing.bytes_seen
        evidence.sha256 = hashing.sha256.hexdigest()
        evidence.save(force_insert=True)
        timeline_record(
            incident,
            kind=TimelineKind.EVIDENCE,
            text=f"Evidence added: {original_name} ({evidence.size} bytes, SHA-256 {evidence.sha256[:12]}…).",
            actor=actor,
            data={"evidence": evidence.pk, "sha256": evidence.sha256, "name": original_name},
        )
        audit_record(
            action="evidence.added",
            actor=actor,
            obj=evidence,
            changes={
                "incident": incident.reference,
                "name": original_name,
                "sha256": evidence.sha256,
                "size": evidence.size,
                "content_type": content_type,
            },
        )
    except Exception:
        evidence.file.storage.delete(stored_name)
        raise
    return evidence
