"""Sign-in, sign-out, the no-role page and the password change."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from portal.audit import audit_record
from portal.identity import mfa
from portal.identity.forms import NewPasswordForm, PasswordLoginForm
from portal.identity.oidc import ProviderUnavailable, oidc_enabled, provider_config
from portal.identity.sessions import end_other_sessions
from portal.permissions import holds_a_role
from portal.users import acting_user


def safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def second_factor_redirect(request: HttpRequest, next_url: str) -> str | None:
    """Where a user who just signed in must go for the second factor, or None when nothing is owed."""
    if not mfa.needs_second_factor_now(request):
        return None
    target = "mfa-verify" if mfa.has_confirmed_device(request.user) else "mfa-setup"
    return f"{reverse(target)}?{urlencode({'next': next_url})}"


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    form_class = PasswordLoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_hint"] = settings.DEBUG and settings.PASSWORD_LOGIN == "all"
        context["sso"] = oidc_enabled()
        context["provider_name"] = settings.OIDC_PROVIDER_NAME
        context["password_login"] = settings.PASSWORD_LOGIN
        return context

    def get_success_url(self) -> str:
        next_url = super().get_success_url()
        return second_factor_redirect(self.request, next_url) or next_url


class LogoutView(View):
    """POST ends the portal session; an SSO session also goes to the provider's end-session endpoint."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        sso = request.session.get(mfa.SSO_SESSION_KEY)
        if request.user.is_authenticated:
            logout(request)
        login_url = settings.SITE_URL + reverse("login")
        if isinstance(sso, dict) and oidc_enabled():
            try:
                end_session = provider_config().end_session_endpoint
            except ProviderUnavailable:
                end_session = None
            if end_session:
                params = {"post_logout_redirect_uri": login_url, "client_id": settings.OIDC_CLIENT_ID}
                if sso.get("id_token"):
                    params["id_token_hint"] = sso["id_token"]
                separator = "&" if "?" in end_session else "?"
                return HttpResponseRedirect(f"{end_session}{separator}{urlencode(params)}")
        return HttpResponseRedirect(reverse("login"))


class NoRoleView(LoginRequiredMixin, TemplateView):
    """Signed in, but the provider's claims gave no role: say so instead of an empty dashboard."""

    template_name = "portal/identity/no_role.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sso = self.request.session.get(mfa.SSO_SESSION_KEY)
        context["has_role"] = holds_a_role(user)
        context["role_claim"] = settings.OIDC_ROLE_CLAIM
        context["claim_values"] = sso.get("role_claim", []) if isinstance(sso, dict) else []
        context["provider_name"] = settings.OIDC_PROVIDER_NAME
        return context


class PasswordChangeView(LoginRequiredMixin, View):
    """Change your own password; every other session of yours ends."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = safe_next(request, reverse("profile"))
        user = acting_user(request)
        if not user.has_usable_password():
            messages.error(
                request, "Your account signs in through single sign-on and has no portal password."
            )
            return HttpResponseRedirect(back)
        form = NewPasswordForm(request, request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return HttpResponseRedirect(back)
        with transaction.atomic():
            user.set_password(form.cleaned_data["new_password1"])
            user.save(update_fields=["password"])
            audit_record(action="auth.password_changed", actor=user, obj=user)
        update_session_auth_hash(request, user)  # keeps this session, under a new key
        ended = end_other_sessions(user_id=user.pk, keep_session_key=request.session.session_key)
        messages.success(
            request,
            f"Password changed. {ended} other session(s) of yours were signed out."
            if ended
            else "Password changed.",
        )
        return HttpResponseRedirect(back)
