"""The Ed25519 key that signs audit checkpoints and evidence packs.

It lives in ``AUDIT_SIGNING_KEY_FILE`` (PKCS#8 PEM), generated with mode
0600 on first use like the secret key, and never in the database, a model or
the admin: whoever can rewrite the database must not be able to sign a new
head. Verifying needs only the public key, which ``manage.py
audit_checkpoint --public-key`` prints and every evidence pack carries.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class SigningKeyMissing(Exception):
    """There is no signing key yet, and the caller must not create one (verification)."""


def key_path() -> Path:
    return Path(settings.AUDIT_SIGNING_KEY_FILE)


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        # O_EXCL: two processes starting at once never overwrite each other's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def private_key(*, create: bool = True) -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        if not create:
            raise SigningKeyMissing(f"the audit signing key {path} does not exist")
        _generate(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key(*, create: bool = False) -> Ed25519PublicKey:
    return private_key(create=create).public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key(create=True)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key: names the key in every signature."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(message: bytes) -> tuple[str, str]:
    """``(signature in base64, key id)`` of ``message``."""
    key = private_key(create=True)
    return base64.b64encode(key.sign(message)).decode("ascii"), key_id(key.public_key())


def signature_valid(key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
