#!/usr/bin/env python3
"""Verify an evidence pack of the incident compliance portal, offline.

    python3 verify.py PACK.zip [--public-key KEY.pem]

Needs only Python 3.11+ and the ``cryptography`` package, never the portal.
It checks, in this order, and stops at the first failure:

1. ``manifest.json`` is signed (Ed25519, ``manifest.sig``) by the key in
   ``audit/public_key.pem`` -- or by the key given with ``--public-key``,
   which should come from the organisation itself (``manage.py
   audit_checkpoint --public-key``) so that a pack re-made with another key
   is refused;
2. every file of the pack is listed in the manifest and has the SHA-256 and
   size the manifest gives, and every listed file is there;
3. each evidence file and each submitted regulator report PDF still has the
   SHA-256 that the portal recorded when it was uploaded or submitted;
4. the audit-trail segment (``audit/events.jsonl``) is one unbroken hash
   chain, and every checkpoint of ``audit/checkpoints.jsonl`` is signed by the
   key and names a head that is in the segment with that hash.

Exit 0 when all of it holds; exit 1 naming the first file or event that
fails; exit 2 when the pack cannot be read at all.

This file is copied into every pack as ``verify.py``; it is the same
program the portal's tests run in a separate, isolated interpreter.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "audit/public_key.pem"
EVENTS = "audit/events.jsonl"
CHECKPOINTS = "audit/checkpoints.jsonl"
GENESIS_HASH = "0" * 64
#: The fields of an audit event that its hash covers, as the portal serialises them.
EVENT_FIELDS = (
    "sequence",
    "created_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip",
    "request_id",
    "prev_hash",
)
CHUNK = 1024 * 1024


class Failure(Exception):
    """The first thing that does not hold; its text names the file or event."""


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_key(pem: bytes, where: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise Failure(f"{where}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Failure(f"{where}: not an Ed25519 public key")
    return key


def signature_ok(key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def read(pack: zipfile.ZipFile, name: str) -> bytes:
    try:
        return pack.read(name)
    except KeyError:
        raise Failure(f"{name}: missing from the pack") from None


def digest(pack: zipfile.ZipFile, name: str) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with pack.open(name) as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def check_manifest(
    pack: zipfile.ZipFile, pinned: Ed25519PublicKey | None
) -> tuple[dict[str, Any], Ed25519PublicKey]:
    raw = read(pack, MANIFEST)
    try:
        manifest = json.loads(raw)
        seal = json.loads(read(pack, SIGNATURE))
    except ValueError as exc:
        raise Failure(f"{MANIFEST}: not JSON ({exc})") from None
    key = pinned or load_key(read(pack, PUBLIC_KEY), PUBLIC_KEY)
    if seal.get("key_id") != key_id(key):
        raise Failure(f"{SIGNATURE}: signed by key {seal.get('key_id')}, not by key {key_id(key)}")
    if not signature_ok(key, raw, str(seal.get("signature", ""))):
        raise Failure(f"{MANIFEST}: the signature does not match (the manifest was changed)")
    return manifest, key


def check_files(pack: zipfile.ZipFile, manifest: dict[str, Any]) -> dict[str, str]:
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    names = [info.filename for info in pack.infolist() if not info.is_dir()]
    present = set(names)
    if len(present) != len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise Failure(f"{twice[0]}: in the pack more than once (a second copy may hide the first)")
    for name in names:
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            raise Failure(f"{name}: in the pack but not in the manifest")
    hashes = {}
    for name, entry in listed.items():
        if name not in present:
            raise Failure(f"{name}: listed in the manifest but missing from the pack")
        sha, size = digest(pack, name)
        if sha != entry["sha256"] or size != entry["size"]:
            raise Failure(f"{name}: content does not match the manifest (SHA-256 {sha}, {size} bytes)")
        hashes[name] = sha
    return hashes


def check_recorded_hashes(manifest: dict[str, Any], hashes: dict[str, str]) -> int:
    """Files whose SHA-256 the portal recorded on the way in (evidence, submitted PDFs)."""
    checked = 0
    for entry in manifest.get("recorded_sha256", []):
        name = entry["path"]
        if hashes.get(name) != entry["sha256"]:
            raise Failure(f"{name}: differs from the SHA-256 recorded by the portal ({entry['sha256']})")
        checked += 1
    return checked


def event_hash(event: dict[str, Any]) -> str:
    payload = {field: event[field] for field in EVENT_FIELDS}
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(event["prev_hash"].encode("ascii") + body).hexdigest()


def checkpoint_message(checkpoint: dict[str, Any]) -> bytes:
    body = {
        "created_at": checkpoint["created_at"],
        "head_hash": checkpoint["head_hash"],
        "sequence": checkpoint["sequence"],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def jsonl(pack: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(read(pack, name).decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise Failure(f"{name} line {number}: not JSON") from None
    return rows


def check_audit(pack: zipfile.ZipFile, key: Ed25519PublicKey) -> tuple[int, int]:
    events = jsonl(pack, EVENTS)
    heads: dict[int, str] = {}
    previous: dict[str, Any] | None = None
    for event in events:
        where = f"{EVENTS}: event #{event.get('sequence')}"
        if previous is not None:
            if event["sequence"] != previous["sequence"] + 1:
                raise Failure(f"{where}: expected event #{previous['sequence'] + 1} (events are missing)")
            if event["prev_hash"] != previous["hash"]:
                raise Failure(f"{where}: does not chain onto event #{previous['sequence']}")
        # A redacted event (about an incident the pack's reader may not see) keeps its place in the chain.
        if not event.get("redacted") and event_hash(event) != event["hash"]:
            raise Failure(f"{where}: content does not match its hash")
        heads[event["sequence"]] = event["hash"]
        previous = event
    checkpoints = jsonl(pack, CHECKPOINTS)
    for checkpoint in checkpoints:
        where = f"{CHECKPOINTS}: checkpoint {checkpoint.get('id')}"
        if checkpoint.get("key_id") != key_id(key):
            raise Failure(f"{where}: signed by key {checkpoint.get('key_id')}, not by key {key_id(key)}")
        if not signature_ok(key, checkpoint_message(checkpoint), str(checkpoint.get("signature", ""))):
            raise Failure(f"{where}: the signature does not match (forged or altered)")
        sequence = checkpoint["sequence"]
        if sequence == 0 and checkpoint["head_hash"] == GENESIS_HASH:
            continue
        if heads.get(sequence) != checkpoint["head_hash"]:
            raise Failure(f"{where}: names event #{sequence}, which the segment does not hold with that hash")
    if events and (not checkpoints or max(c["sequence"] for c in checkpoints) != events[-1]["sequence"]):
        raise Failure(f"{EVENTS}: the last event #{events[-1]['sequence']} is not covered by a checkpoint")
    return len(events), len(checkpoints)


def verify(path: str, pinned_key: str | None = None) -> str:
    pinned = None
    if pinned_key:
        with open(pinned_key, "rb") as handle:
            pinned = load_key(handle.read(), pinned_key)
    with zipfile.ZipFile(path) as pack:
        manifest, key = check_manifest(pack, pinned)
        hashes = check_files(pack, manifest)
        recorded = check_recorded_hashes(manifest, hashes)
        events, checkpoints = check_audit(pack, key)
    period = manifest.get("period", {})
    return (
        f"OK: {len(hashes)} files match the signed manifest (key {key_id(key)}); "
        f"{recorded} recorded SHA-256 values hold; audit segment of {events} events chained and "
        f"anchored by {checkpoints} signed checkpoints; period {period.get('from')} to {period.get('to')}, "
        f"{manifest.get('incident_count', 0)} incidents."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify an evidence pack offline.")
    parser.add_argument("pack", help="the evidence pack (.zip)")
    parser.add_argument("--public-key", help="PEM public key the pack must be signed with")
    args = parser.parse_args(argv)
    try:
        print(verify(args.pack, args.public_key))
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    except (OSError, zipfile.BadZipFile, KeyError, TypeError) as exc:
        print(f"cannot read {args.pack}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
