"""Proving who sent a webhook, in both directions.

Inbound: PagerDuty's ``X-PagerDuty-Signature`` (hex HMAC-SHA256 of the raw
body, ``v1=`` prefixed, comma-separated during its secret rotation); a shared
secret header for the vendors that only offer custom headers; the Standard
Webhooks scheme for the generic kind. Outbound: Standard Webhooks
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64>``).
Every comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.utils import timezone

#: Standard Webhooks: secrets are ``whsec_`` + base64 of 24 to 64 random bytes.
STANDARD_SECRET_PREFIX = "whsec_"
STANDARD_SECRET_BYTES = 32
#: How far a ``webhook-timestamp`` may lie from our clock (replay protection).
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
#: Headers a shared-secret vendor may carry the secret in (configured as a custom header there).
SHARED_SECRET_HEADER = "X-Webhook-Secret"


class SecretFormatError(ValueError):
    pass


def generate_standard_secret() -> str:
    return STANDARD_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(STANDARD_SECRET_BYTES)).decode()


def generate_shared_secret() -> str:
    return secrets.token_urlsafe(32)


def standard_secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (its base64 payload)."""
    if not secret.startswith(STANDARD_SECRET_PREFIX):
        raise SecretFormatError("A Standard Webhooks secret starts with whsec_.")
    try:
        key = base64.b64decode(secret[len(STANDARD_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise SecretFormatError("The part after whsec_ must be base64.") from None
    if not 24 <= len(key) <= 64:
        raise SecretFormatError("The key must be 24 to 64 bytes (Standard Webhooks).")
    return key


def secret_hint(secret: str) -> str:
    return secret[-4:]


# --- inbound -------------------------------------------------------------------------------------------


def verify_pagerduty(header: str | None, body: bytes, candidate_secrets: Sequence[str]) -> bool:
    """At least one ``v1=`` signature of the header matches one of our secrets."""
    if not header:
        return False
    offered = [part.strip()[3:] for part in header.split(",") if part.strip().startswith("v1=")]
    if not offered:
        return False
    for secret in candidate_secrets:
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, signature.lower()) for signature in offered):
            return True
    return False


def verify_shared_secret(headers: Mapping[str, str], candidate_secrets: Sequence[str]) -> bool:
    """``X-Webhook-Secret: <secret>`` or ``Authorization: Bearer <secret>``."""
    offered = headers.get(SHARED_SECRET_HEADER, "")
    if not offered:
        authorization = headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        offered = token.strip() if scheme.lower() == "bearer" else ""
    if not offered:
        return False
    offered_bytes = offered.encode("utf-8")
    return any(hmac.compare_digest(offered_bytes, secret.encode("utf-8")) for secret in candidate_secrets)


def verify_standard(
    headers: Mapping[str, str],
    body: bytes,
    candidate_secrets: Sequence[str],
    *,
    now: datetime | None = None,
) -> bool:
    """Standard Webhooks verification: fresh timestamp and one matching ``v1`` signature."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signature_header = headers.get("webhook-signature", "")
    if not (msg_id and timestamp.isdigit() and signature_header) or len(timestamp) > 12:
        return False
    now_ts = int((now or timezone.now()).timestamp())
    if abs(now_ts - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return False
    offered = [item[3:] for item in signature_header.split() if item.startswith("v1,") and len(item) < 200]
    for secret in candidate_secrets:
        try:
            expected = standard_signature(secret, msg_id, int(timestamp), body)[3:]
        except SecretFormatError:
            continue
        if any(hmac.compare_digest(expected, signature) for signature in offered):
            return True
    return False


# --- outbound ------------------------------------------------------------------------------------------


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_headers(
    signing_secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per secret (rotation)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(secret, msg_id, timestamp, body) for secret in signing_secrets
        ),
    }
