"""Rules every signed-in request passes: session age and idle limits, then the second factor."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from portal.audit import audit_record
from portal.identity import mfa
from portal.identity.sessions import expired_reason

# What a signed-in user who still owes a second factor may reach: the pages
# that collect it, signing out, and what those pages load.
_OPEN_PREFIXES = ("/mfa/", "/logout/", "/static/", "/oidc/", "/healthz", "/api/v1/auth/token/")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SignInPolicyMiddleware:
    """Ends sessions past ``SESSION_MAX_AGE_HOURS`` or idle for ``SESSION_IDLE_MINUTES``,
    and keeps members of the MFA roles (and anyone with an authenticator) on
    the second-factor pages until they pass it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        reason = expired_reason(request)
        if reason is not None:
            audit_record(action="auth.session_expired", actor=user, obj=user, changes={"reason": reason})
            logout(request)
            if _is_api(request):
                return self.get_response(request)
            messages.info(
                request,
                "Your session ended after "
                + ("its maximum age" if reason == "age" else "a period without activity")
                + ": please sign in again.",
            )
            return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        if not request.path.startswith(_OPEN_PREFIXES) and mfa.needs_second_factor_now(request):
            if _is_api(request):
                return JsonResponse(
                    {"detail": "Your session still needs its second factor: verify it at /mfa/verify/."},
                    status=403,
                )
            target = "mfa-verify" if mfa.has_confirmed_device(user) else "mfa-setup"
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return HttpResponseRedirect(reverse(target) + (f"?{query}" if query else ""))
        return self.get_response(request)
