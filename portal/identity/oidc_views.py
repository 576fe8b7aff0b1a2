"""``/oidc/authenticate/`` starts the flow at the provider; ``/oidc/callback/`` finishes it.

The protocol steps are mozilla-django-oidc's views; these subclasses resolve
the endpoints lazily, answer every refused callback with a page that says
why (400, or 502 when the provider cannot be reached), audit it, and set up
the portal session after a successful one.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from portal.audit import audit_record
from portal.identity import mfa
from portal.identity.oidc import ProviderUnavailable, oidc_enabled, provider_config
from portal.identity.views import second_factor_redirect

logger = logging.getLogger(__name__)


def refused(
    request: HttpRequest, reason: str, *, status: int = 400, audit_reason: str | None = None
) -> HttpResponse:
    audit_record(
        action="auth.sso_failed",
        actor=None,
        object_type="auth.user",
        changes={"reason": (audit_reason or reason)[:500], "issuer": settings.OIDC_ISSUER or ""},
    )
    logger.warning("SSO sign-in refused: %s", reason)
    context = {"reason": reason, "provider_name": settings.OIDC_PROVIDER_NAME}
    return render(request, "portal/identity/sso_refused.html", context, status=status)


class AuthenticateView(OIDCAuthenticationRequestView):
    def __init__(self, **kwargs: Any) -> None:
        # The base class reads the endpoint here, at every request; it is resolved in get() instead.
        View.__init__(self, **kwargs)

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:  # the base class reads these names
        return provider_config().authorization_endpoint

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_CLIENT_ID or ""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except ProviderUnavailable as exc:
            return refused(request, f"The identity provider cannot be reached: {exc}", status=502)


class CallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("Single sign-on is not configured.")
        error = request.GET.get("error")
        if error:
            states = request.session.get("oidc_states")
            if isinstance(states, dict) and request.GET.get("state") in states:
                del states[request.GET["state"]]  # a state is good for one answer, refusals included
                request.session.modified = True
            description = request.GET.get("error_description", "")
            text = f"{error[:100]}" + (f" ({description[:300]})" if description else "")
            return refused(request, f"The identity provider refused the sign-in: {text}.")
        state, code = request.GET.get("state"), request.GET.get("code")
        if not state or not code:
            return refused(request, "The sign-in answer is incomplete: it has no state or no code.")
        states = request.session.get("oidc_states")
        if not isinstance(states, dict) or state not in states:
            return refused(
                request,
                "This sign-in answer does not belong to a sign-in started in this browser (unknown state). "
                "Start again from the sign-in page.",
            )
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            return refused(request, f"The sign-in was refused: {exc}")
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            return refused(
                request,
                f"The identity provider did not accept the authorisation code (HTTP {status}). Start again.",
                audit_reason=str(exc),
            )
        except (requests.RequestException, ProviderUnavailable, ValueError) as exc:
            return refused(request, f"The identity provider cannot be reached: {exc}", status=502)

    def login_failure(self) -> HttpResponse:
        reason = (
            getattr(self.request, "identity_sso_error", None)
            or "The identity provider's answer signed nobody in."
        )
        return refused(self.request, reason)

    def login_success(self) -> HttpResponse:
        key_before = self.request.session.session_key
        super().login_success()
        request = self.request
        if request.session.session_key == key_before:
            request.session.cycle_key()  # the same user signing in again still gets a new key
        info = getattr(request, "identity_sso", {})
        request.session[mfa.SSO_SESSION_KEY] = {
            "issuer": settings.OIDC_ISSUER,
            "id_token": info.get("id_token", ""),
            "mfa": bool(info.get("mfa")),
            "role_claim": info.get("role_claim", []),
            "at": time.time(),
        }
        next_url = self.success_url
        if not info.get("has_role", True):
            next_url = reverse("no-role")
        return HttpResponseRedirect(second_factor_redirect(request, next_url) or next_url)
