"""Helpers of the outbound-webhook tests: an independent Standard Webhooks verifier written from the
specification, a real HTTP receiver on 127.0.0.1, and shortcuts to declare and subscribe."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Category, Severity
from integrations import services

# --- an independent Standard Webhooks verifier (spec: standard-webhooks/spec/standard-webhooks.md) ----


def standard_webhooks_verify(
    secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300
) -> bool:
    """``webhook-signature`` holds space-separated ``v1,<base64 HMAC-SHA256(key, "id.ts.body")>``,
    the key being the base64-decoded part of ``whsec_...``; the timestamp must be fresh."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(int(timezone.now().timestamp()) - int(timestamp)) > tolerance:
        return False
    expected = base64.b64encode(
        hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    ).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (item.partition(",") for item in headers["webhook-signature"].split(" "))
    )


# --- a local receiver -----------------------------------------------------------------------------------


@dataclass
class Receiver:
    statuses: list[int]
    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def receiver(
    *statuses: int, extra_headers: dict[str, str] | None = None, tls: tuple[str, str] | None = None
) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 answering ``statuses`` in turn (then 200), recording every request."""
    state = Receiver(list(statuses))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            for name, value in (extra_headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks?source=portal"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def declare(actor, **extra: Any):
    return incident_services.incident_create(
        actor=actor,
        title=extra.pop("title", "Payments API returning 502"),
        severity=Severity.objects.get(name="SEV2"),
        category=Category.objects.get(slug="system-outage"),
        detected_at=timezone.now() - timedelta(minutes=30),
        **extra,
    )


def subscribe(admin_user, url: str, events: list[str], **extra: Any):
    return services.subscription_create(
        actor=admin_user, name=extra.pop("name", "SIEM"), target_url=url, events=events, **extra
    )
