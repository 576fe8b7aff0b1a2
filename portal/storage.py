"""Files follow the transaction that wrote them: a rolled-back change leaves no file behind.

The default storage records every file it writes while a
``files_follow_transaction`` block is open. When the block ends with an
exception (the service's transaction rolled back), those files are deleted;
when it ends normally inside an outer block, they are handed to the outer
one, so that its rollback removes them too. Services that write files
(regulator report PDFs, evidence) wrap their transaction in it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.files.storage import FileSystemStorage, Storage

logger = logging.getLogger(__name__)

_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("portal_files_written", default=None)


class PortalFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` that tells ``files_follow_transaction`` what it wrote."""

    def _save(self, name: str, content: Any) -> str:
        stored = super()._save(name, content)  # type: ignore[misc]  (missing from the stubs)
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
