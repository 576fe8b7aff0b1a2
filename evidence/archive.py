"""Writing a pack: a ZIP streamed to disk, every member hashed on the way in, then a signed manifest.

Nothing is held in memory whole except one rendered document at a time;
stored files (evidence, frozen PDFs) are copied in chunks.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

from portal import audit_key

CHUNK = 1024 * 1024


@dataclass
class Entry:
    path: str
    sha256: str
    size: int


@dataclass
class PackArchive:
    """Members go in through ``add_*``; ``close`` writes ``manifest.json`` and ``manifest.sig``."""

    handle: IO[bytes]
    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.zip = zipfile.ZipFile(self.handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.names: set[str] = set()

    def _name(self, path: str) -> str:
        clean = str(PurePosixPath(path))
        if clean.startswith(("/", "..")) or "/../" in clean or clean in self.names:
            raise ValueError(f"bad or duplicate member name {path!r}")
        self.names.add(clean)
        return clean

    def add_bytes(self, path: str, data: bytes) -> Entry:
        name = self._name(path)
        self.zip.writestr(name, data)
        entry = Entry(name, hashlib.sha256(data).hexdigest(), len(data))
        self.entries.append(entry)
        return entry

    def add_text(self, path: str, text: str) -> Entry:
        return self.add_bytes(path, text.encode("utf-8"))

    def add_json(self, path: str, value: Any) -> Entry:
        return self.add_text(
            path, json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n"
        )

    def add_lines(self, path: str, records: Iterable[dict[str, Any]]) -> Entry:
        """JSON lines, streamed record by record."""
        name = self._name(path)
        sha, size = hashlib.sha256(), 0
        with self.zip.open(name, "w") as member:
            for record in records:
                line = (
                    json.dumps(record, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"
                ).encode()
                member.write(line)
                sha.update(line)
                size += len(line)
        entry = Entry(name, sha.hexdigest(), size)
        self.entries.append(entry)
        return entry

    def add_stream(self, path: str, source: IO[bytes]) -> Entry:
        name = self._name(path)
        sha, size = hashlib.sha256(), 0
        with self.zip.open(name, "w", force_zip64=True) as member:
            while chunk := source.read(CHUNK):
                member.write(chunk)
                sha.update(chunk)
                size += len(chunk)
        entry = Entry(name, sha.hexdigest(), size)
        self.entries.append(entry)
        return entry

    def close(self, manifest: dict[str, Any]) -> bytes:
        """Write the manifest (listing every member) and its signature; returns the manifest bytes."""
        manifest = {**manifest, "files": [e.__dict__ for e in sorted(self.entries, key=lambda e: e.path)]}
        raw = (json.dumps(manifest, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n").encode(
            "utf-8"
        )
        signature, key_id = audit_key.sign(raw)
        self.zip.writestr("manifest.json", raw)
        seal = {"algorithm": "Ed25519", "key_id": key_id, "signature": signature, "signs": "manifest.json"}
        self.zip.writestr("manifest.sig", json.dumps(seal, indent=2) + "\n")
        self.zip.close()
        return raw

    def abort(self) -> None:
        self.zip.close()
