"""Files follow the transaction that wrote them: a rolled-back change leaves no file behind.

The default storage records every file it writes while a
``files_follow_transaction`` block is open. When the block ends with an
exception (the service's transaction rolled back), those files are deleted;
when it ends normally inside an outer block, they are handed to the outer
one, so that its rollback removes them too. Services that write files
(regulator report PDFs, evidence) wrap their transaction in it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import FileSystemStorage, Storage, default_storage

logger = logging.getLogger(__name__)

_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("portal_files_written", default=None)


class PortalFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` that tells ``files_follow_transaction`` what it wrote."""

    def _save(self, name: str, content: Any) -> str:
        stored = super()._save(name, content)  # type: ignore[misc]
        written = _written.get()
        if written is not None:
            written.append((self, stored))
        return stored


@contextmanager
def files_follow_transaction() -> Iterator[None]:
    outer = _written.get()
    written: list[tuple[Storage, str]] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for storage, name in written:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not remove %s after its transaction rolled back", name)
        raise
    else:
        if outer is not None:
            outer.extend(written)
    finally:
        _written.reset(token)


# --- what the records say is stored, for ``manage.py verify_storage`` ---------------------------------


@dataclass(frozen=True)
class StoredRecord:
    """One record's claim about stored content: a file in the default storage (``name``), or
    content kept in the row itself (``content``), with the SHA-256 taken when it was written."""

    kind: str
    pk: Any
    sha256: str
    name: str = ""
    content: bytes | None = None


RecordSource = Callable[[], Iterable[StoredRecord]]
_sources: list[RecordSource] = []


def register_stored_records(source: RecordSource) -> RecordSource:
    """Apps register what they store (evidence, report PDFs, post-mortem revisions) in ``ready``."""
    if source not in _sources:
        _sources.append(source)
    return source


@dataclass
class StorageReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatched or self.orphans)


def _sha256_of(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(storage: Storage, directory: str = "") -> Iterator[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for sub in directories:
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


def verify_storage() -> StorageReport:
    """Every record's file is there with its SHA-256, and every stored file belongs to a record."""
    storage = default_storage
    report = StorageReport()
    referenced: set[str] = set()
    for source in _sources:
        for record in source():
            report.checked += 1
            label = f"{record.kind} #{record.pk}"
            if record.content is not None:
                if hashlib.sha256(record.content).hexdigest() != record.sha256:
                    report.mismatched.append(f"{label}: its content no longer matches SHA-256 {record.sha256}")
                continue
            referenced.add(record.name)
            if not storage.exists(record.name):
                report.missing.append(f"{label}: {record.name} is missing")
            elif _sha256_of(storage, record.name) != record.sha256:
                report.mismatched.append(f"{label}: {record.name} no longer matches SHA-256 {record.sha256}")
    report.orphans = sorted(name for name in _walk(storage) if name not in referenced)
    return report
