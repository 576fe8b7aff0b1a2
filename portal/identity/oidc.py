"""OIDC: the provider's endpoints (discovered lazily) and the authentication backend.

mozilla-django-oidc runs the authorisation-code flow (state, nonce, PKCE,
token exchange, JWKS lookup). It takes its endpoints from settings read when
a view or backend is built and has no discovery, so the endpoints here come
from the issuer's discovery document, fetched when first needed and cached,
with explicit ``OIDC_*_ENDPOINT`` settings winning. Its ID-token check skips
the audience and the issuer; ``_verify_jws`` below checks both, and requires
``exp``, ``iat`` and ``sub``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

logger = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600
# Claims whose presence in ``amr`` means the provider already asked for a second factor.
MFA_AMR_VALUES = frozenset({"mfa", "otp", "hwk"})


class ProviderUnavailable(Exception):
    """The identity provider's discovery document could not be fetched or is not usable."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str | None
    jwks_uri: str
    end_session_endpoint: str | None


def oidc_enabled() -> bool:
    return bool(
        getattr(settings, "OIDC_CLIENT_ID", None)
        and getattr(settings, "OIDC_CLIENT_SECRET", None)
        and getattr(settings, "OIDC_ISSUER", None)
    )


_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def forget_discovery() -> None:
    """Drop the cached discovery documents (configuration changes, tests)."""
    with _cache_lock:
        _cache.clear()


def _discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _fetch_discovery(issuer: str) -> dict[str, Any]:
    url = _discovery_url(issuer)
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(
            f"The identity provider's discovery document at {url} failed: {exc}"
        ) from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"The discovery document at {url} is not a JSON object.")
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(
            f"The discovery document at {url} names the issuer {document.get('issuer')!r}, "
            f"not the configured OIDC_ISSUER {issuer!r}."
        )
    return document


def _discovery(issuer: str) -> dict[str, Any]:
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(issuer)
        if cached and now - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
        document = _fetch_discovery(issuer)
        _cache[issuer] = (now, document)
        return document


def _endpoint(document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def provider_config() -> ProviderConfig:
    """The endpoints to use now: explicit settings first, the discovery document for the rest."""
    issuer: str = settings.OIDC_ISSUER or ""
    explicit = {
        "authorization_endpoint": settings.OIDC_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_TOKEN_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_USERINFO_ENDPOINT,
        "jwks_uri": settings.OIDC_JWKS_ENDPOINT,
        "end_session_endpoint": settings.OIDC_END_SESSION_ENDPOINT,
    }
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    resolved: dict[str, str | None] = dict(explicit)
    if not all(explicit[key] for key in needed) or not explicit["userinfo_endpoint"]:
        try:
            document = _discovery(issuer)
        except ProviderUnavailable:
            if not all(explicit[key] for key in needed):
                raise
            document = {}  # everything required is configured; userinfo is optional
        for key in resolved:
            resolved[key] = resolved[key] or _endpoint(document, key)
    missing = [key for key in needed if not resolved[key]]
    if missing:
        raise ProviderUnavailable(f"The identity provider advertises no {', '.join(missing)}.")
    return ProviderConfig(
        issuer=issuer,
        authorization_endpoint=resolved["authorization_endpoint"] or "",
        token_endpoint=resolved["token_endpoint"] or "",
        userinfo_endpoint=resolved["userinfo_endpoint"],
        jwks_uri=resolved["jwks_uri"] or "",
        end_session_endpoint=resolved["end_session_endpoint"],
    )


def amr_has_second_factor(claims: dict[str, Any]) -> bool:
    amr = claims.get("amr")
    values = [amr] if isinstance(amr, str) else amr if isinstance(amr, list) else []
    return any(isinstance(value, str) and value.lower() in MFA_AMR_VALUES for value in values)


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with lazily resolved endpoints, strict
    ID-token checks and the portal's own user linking (``portal.identity.claims``)."""

    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The base class reads (and insists on) every endpoint here, on every
        # authenticate() call of every sign-in, SSO or not.
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # the base class reads these names
        return provider_config().token_endpoint

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:
        return provider_config().userinfo_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return provider_config().jwks_uri

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_CLIENT_ID or ""

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_CLIENT_SECRET or ""

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return settings.OIDC_RP_SIGN_ALGO

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback view's call (with the nonce it kept) is an SSO
        # attempt; a password sign-in with ?code=&state= in its URL is not.
        if not oidc_enabled() or request is None or "nonce" not in kwargs:
            return None
        if "username" in kwargs or "password" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"The ID token is not a valid JWT: {exc}") from exc
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                f"The ID token is signed with {header.get('alg')!r}, not the expected {self.OIDC_RP_SIGN_ALGO}."
            )
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=settings.OIDC_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SuspiciousOperation("The ID token has expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise SuspiciousOperation("The ID token was issued to another client (wrong audience).") from exc
        except jwt.InvalidIssuerError as exc:
            raise SuspiciousOperation("The ID token was issued by another issuer.") from exc
        except jwt.InvalidSignatureError as exc:
            raise SuspiciousOperation("The ID token's signature does not verify.") from exc
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"The ID token is invalid: {exc}") from exc
        audience = claims.get("aud")
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != settings.OIDC_CLIENT_ID:
            raise SuspiciousOperation("The ID token names several audiences but not this client as its azp.")
        return claims

    def verify_token(self, token: Any, **kwargs: Any) -> dict[str, Any]:
        if not token:
            raise SuspiciousOperation("The identity provider returned no ID token.")
        try:
            return super().verify_token(token, **kwargs)
        except SuspiciousOperation as exc:
            if "Nonce" in str(exc):
                raise SuspiciousOperation(
                    "The ID token's nonce does not match this sign-in (a replayed or foreign token)."
                ) from exc
            raise

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return isinstance(claims.get("sub"), str) and bool(claims["sub"])

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.OIDC_OP_USER_ENDPOINT or not access_token:
            return {}
        info = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(info, dict):
            raise SuspiciousOperation("The userinfo endpoint did not answer a JSON object.")
        if info.get("sub", payload.get("sub")) != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about another subject than the ID token.")
        return info

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        from portal.identity.claims import sign_in_external_user

        try:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            # Profile and group claims may come from either; identity and amr only from the ID token.
            claims: dict[str, Any] = {
                **userinfo,
                **{k: payload[k] for k in ("iss", "sub", "amr", "aud") if k in payload},
            }
            for key, value in payload.items():
                claims.setdefault(key, value)
            outcome = sign_in_external_user(claims)
        except SuspiciousOperation as exc:
            self.request.identity_sso_error = str(exc)
            raise
        except requests.RequestException as exc:
            self.request.identity_sso_error = f"The identity provider's userinfo endpoint failed: {exc}"
            raise SuspiciousOperation(self.request.identity_sso_error) from exc
        self.request.identity_sso = {
            "id_token": id_token,
            "mfa": amr_has_second_factor(payload),
            "roles": outcome.roles,
            "has_role": outcome.has_role,
            "role_claim": outcome.role_claim_values,
        }
        return outcome.user
