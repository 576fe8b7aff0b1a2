"""A small, real OpenID Connect provider for the tests: its own HTTP server on 127.0.0.1.

Discovery, JWKS, authorisation (signs in ``next_claims`` at once, no consent
page), token (checks client secret, redirect URI, single-use code and PKCE),
userinfo and end-session endpoints; ID tokens are RS256 JWTs signed with an
RSA key made when the provider starts. ``tamper`` makes the token endpoint
misbehave the way an attacker or a broken provider would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "portal-test-client"
CLIENT_SECRET = "test-client-secret-1234567890"
KEY_ID = "test-key-1"


class LocalProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.provider = self  # type: ignore[attr-defined]
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.lock = threading.Lock()
        self.reset()

    # --- control -------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.next_claims: dict[str, Any] = {
            "sub": "alice-0001",
            "preferred_username": "alice",
            "given_name": "Alice",
            "family_name": "Martin",
            "email": "alice@example.org",
            "zoneinfo": "Europe/Paris",
            "groups": ["portal-admins"],
        }
        self.amr: list[str] = ["pwd"]
        self.tamper: str | None = None
        self.deny: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.issued_id_tokens: list[str] = []
        self.discovery_fetches = 0
        self.paths: list[str] = []
        self.end_session_calls: list[dict[str, str]] = []

    def start(self) -> LocalProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- documents -----------------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": KEY_ID, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def id_token(self, *, nonce: str | None, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": claims["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "amr": list(self.amr),
        }
        if nonce is not None:
            payload["nonce"] = nonce
        key = self.key
        if self.tamper == "audience":
            payload["aud"] = "another-client"
        elif self.tamper == "expired":
            payload["iat"], payload["exp"] = now - 3600, now - 1800
        elif self.tamper == "issuer":
            payload["iss"] = "http://127.0.0.1:1/not-the-issuer"
        elif self.tamper == "signature":
            key = self.foreign_key
        elif self.tamper == "nonce":
            payload["nonce"] = "a-nonce-from-somewhere-else"
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KEY_ID})


def _b64url_sha256(value: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode("ascii")).digest()).rstrip(b"=").decode()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    @property
    def provider(self) -> LocalProvider:
        return self.server.provider  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        provider = self.provider
        with provider.lock:
            provider.paths.append(url.path)
        if url.path == "/.well-known/openid-configuration":
            with provider.lock:
                provider.discovery_fetches += 1
            self._json(200, provider.discovery())
        elif url.path == "/jwks":
            self._json(200, provider.jwks())
        elif url.path in ("/authorize", "/authorize-alt"):
            self._authorize(query)
        elif url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            claims = provider.access_tokens.get(token)
            if claims is None:
                self._json(401, {"error": "invalid_token"})
            else:
                self._json(200, claims)
        elif url.path == "/logout":
            provider.end_session_calls.append(query)
            if query.get("post_logout_redirect_uri"):
                self._redirect(query["post_logout_redirect_uri"])
            else:
                self._json(200, {"signed_out": True})
        else:
            self._json(404, {"error": "not_found"})

    def _authorize(self, query: dict[str, str]) -> None:
        provider = self.provider
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or not redirect_uri or query.get("response_type") != "code":
            self._json(400, {"error": "invalid_request"})
            return
        if "openid" not in query.get("scope", "").split():
            self._json(400, {"error": "invalid_scope"})
            return
        if provider.deny:
            params = {
                "error": provider.deny,
                "error_description": "The user said no",
                "state": query["state"],
            }
            self._redirect(f"{redirect_uri}?{urlencode(params)}")
            return
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {
            "nonce": query.get("nonce"),
            "redirect_uri": redirect_uri,
            "challenge": query.get("code_challenge"),
            "method": query.get("code_challenge_method"),
            "claims": json.loads(json.dumps(provider.next_claims)),
        }
        self._redirect(f"{redirect_uri}?{urlencode({'code': code, 'state': query.get('state', '')})}")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        provider = self.provider
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        with provider.lock:
            provider.paths.append(url.path)
        if url.path != "/token":
            self._json(404, {"error": "not_found"})
            return
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            self._json(401, {"error": "invalid_client"})
            return
        grant = provider.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            self._json(400, {"error": "invalid_grant"})
            return
        if grant["challenge"] and (
            grant["method"] != "S256" or _b64url_sha256(form.get("code_verifier", "")) != grant["challenge"]
        ):
            self._json(400, {"error": "invalid_grant", "error_description": "PKCE check failed"})
            return
        if provider.tamper == "replay" and provider.issued_id_tokens:
            id_token = provider.issued_id_tokens[0]
        else:
            id_token = provider.id_token(nonce=grant["nonce"], claims=grant["claims"])
        provider.issued_id_tokens.append(id_token)
        access_token = secrets.token_urlsafe(24)
        provider.access_tokens[access_token] = grant["claims"]
        self._json(
            200,
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token},
        )
