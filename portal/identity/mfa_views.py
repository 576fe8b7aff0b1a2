"""The second-factor pages: the code page after sign-in, and enrolment / recovery codes / removal."""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from portal.audit import audit_record
from portal.identity import mfa
from portal.identity.forms import CodeForm, CurrentPasswordForm
from portal.identity.lockout import describe_lift
from portal.identity.sessions import end_other_sessions
from portal.identity.views import safe_next
from portal.users import acting_user

PENDING_DEVICE = "identity_pending_totp"
NEW_RECOVERY_CODES = "identity_new_recovery_codes"
# Accounts without a portal password (SSO) prove themselves by a recent SSO sign-in instead.
SSO_REAUTH_SECONDS = 15 * 60


def _rotate(request: HttpRequest) -> None:
    request.session.cycle_key()


def second_factor_context(request: HttpRequest) -> dict[str, Any]:
    """What the second-factor card (profile page and setup page) shows."""
    user = acting_user(request)
    pending = mfa.pending_device(user, request.session.get(PENDING_DEVICE))
    return {
        "mfa": {
            "enrolled": mfa.has_confirmed_device(user),
            "required": mfa.in_required_groups(user),
            "pending": mfa.provisioning(pending) if pending else None,
            "new_codes": request.session.pop(NEW_RECOVERY_CODES, None),
            "codes_left": mfa.recovery_codes_left(user),
            "sso_vouched": mfa.sso_vouched(request),
            "has_password": user.has_usable_password(),
            "provider_name": settings.OIDC_PROVIDER_NAME,
        }
    }


def _reauthenticated(request: HttpRequest) -> str | None:
    """None when the user proved it is them just now, else the message to show."""
    if acting_user(request).has_usable_password():
        form = CurrentPasswordForm(request, request.POST)
        if form.is_valid():
            return None
        return " ".join(str(error) for error in form.errors.get("password", ["Enter your current password."]))
    sso = request.session.get(mfa.SSO_SESSION_KEY)
    signed_in = sso.get("at", 0) if isinstance(sso, dict) else 0
    if time.time() - signed_in <= SSO_REAUTH_SECONDS:
        return None
    return f"Sign in again with {settings.OIDC_PROVIDER_NAME} first: this needs a sign-in of the last 15 minutes."


class VerifyView(LoginRequiredMixin, View):
    """The code page: a TOTP code or a recovery code completes the sign-in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not mfa.has_confirmed_device(acting_user(request)):
            query = request.GET.urlencode()
            return HttpResponseRedirect(reverse("mfa-setup") + (f"?{query}" if query else ""))
        return self._render(request, CodeForm())

    def _render(self, request: HttpRequest, form: CodeForm, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "next": safe_next(request, "/"),
            "required": mfa.in_required_groups(acting_user(request)),
        }
        return render(request, "portal/identity/verify.html", context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        result = mfa.check_code(acting_user(request), form.cleaned_data["code"])
        if not result.accepted:
            audit_record(
                action="mfa.failed",
                actor=acting_user(request),
                obj=acting_user(request),
                changes={"step": "sign-in", "throttled": result.throttled_until is not None},
            )
            if result.throttled_until is not None:
                lift = describe_lift(result.throttled_until, acting_user(request).get_username())
                form.add_error(
                    "code", f"Too many wrong codes: wait until {lift['local_text']} and try again."
                )
            else:
                form.add_error("code", "That code is not valid, or it was already used.")
            return self._render(request, form, status=400)
        django_otp.login(request, result.device)
        _rotate(request)
        kind = "recovery code" if result.device.__class__.__name__ == "StaticDevice" else "totp"
        audit_record(
            action="mfa.verified",
            actor=acting_user(request),
            obj=acting_user(request),
            changes={"device": kind},
        )
        if kind == "recovery code":
            left = mfa.recovery_codes_left(acting_user(request))
            messages.warning(
                request, f"You used a recovery code; {left} left. Make new ones on your profile page."
            )
        return HttpResponseRedirect(safe_next(request, "/"))


class SetupView(LoginRequiredMixin, View):
    """Enrol an authenticator, renew recovery codes, or remove the second factor."""

    def get(self, request: HttpRequest) -> HttpResponse:
        context = second_factor_context(request)
        context["next"] = safe_next(request, "/")
        return render(request, "portal/identity/setup.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action", "")
        handler = {
            "begin": self._begin,
            "confirm": self._confirm,
            "renew_codes": self._renew,
            "remove": self._remove,
        }.get(action)
        back = safe_next(request, reverse("mfa-setup"))
        if handler is None:
            messages.error(request, "Unknown second-factor action.")
            return HttpResponseRedirect(back)
        return handler(request, back)

    def _refuse_unless_reauthenticated(self, request: HttpRequest, *, verified: bool = False) -> str | None:
        # Changing an existing second factor needs the factor itself: a
        # password alone must not be enough to remove or replace it.
        if verified and not mfa.second_factor_satisfied(request):
            refusal = "Enter a code from your authenticator first."
            messages.error(request, refusal)
            return refusal
        problem = _reauthenticated(request)
        if problem:
            messages.error(request, problem)
        return problem

    def _begin(self, request: HttpRequest, back: str) -> HttpResponse:
        if mfa.has_confirmed_device(acting_user(request)):
            messages.error(
                request, "You already have an authenticator: remove it first to set up another one."
            )
        elif not self._refuse_unless_reauthenticated(request):
            device = mfa.enrolment_begin(user=acting_user(request))
            request.session[PENDING_DEVICE] = device.pk
            messages.info(request, "Scan the QR code (or type the secret) in your app, then enter its code.")
        return HttpResponseRedirect(back)

    def _confirm(self, request: HttpRequest, back: str) -> HttpResponse:
        device = mfa.pending_device(acting_user(request), request.session.get(PENDING_DEVICE))
        form = CodeForm(request.POST)
        if device is None:
            messages.error(request, "There is no authenticator waiting for confirmation: start again.")
            return HttpResponseRedirect(back)
        if not form.is_valid():
            messages.error(request, "Enter the 6-digit code your app shows.")
            return HttpResponseRedirect(back)
        codes = mfa.enrolment_confirm(
            user=acting_user(request), device=device, code=form.cleaned_data["code"]
        )
        if codes is None:
            messages.error(request, "That code does not match the new authenticator: check the app's clock.")
            return HttpResponseRedirect(back)
        request.session.pop(PENDING_DEVICE, None)
        device.refresh_from_db()
        django_otp.login(request, device)
        _rotate(request)
        request.session[NEW_RECOVERY_CODES] = codes
        messages.success(request, "Authenticator set up. Keep the recovery codes below somewhere safe.")
        return HttpResponseRedirect(back)

    def _renew(self, request: HttpRequest, back: str) -> HttpResponse:
        if not mfa.has_confirmed_device(acting_user(request)):
            messages.error(request, "Set up an authenticator first.")
        elif not self._refuse_unless_reauthenticated(request, verified=True):
            request.session[NEW_RECOVERY_CODES] = mfa.recovery_codes_renew(user=acting_user(request))
            messages.success(request, "New recovery codes made; the old ones no longer work.")
        return HttpResponseRedirect(back)

    def _remove(self, request: HttpRequest, back: str) -> HttpResponse:
        if not mfa.has_confirmed_device(acting_user(request)):
            messages.error(request, "You have no authenticator to remove.")
        elif not self._refuse_unless_reauthenticated(request, verified=True):
            mfa.second_factor_remove(user=acting_user(request), actor=acting_user(request))
            request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
            _rotate(request)
            ended = end_other_sessions(
                user_id=acting_user(request).pk, keep_session_key=request.session.session_key
            )
            note = f" {ended} other session(s) of yours were signed out." if ended else ""
            messages.success(request, "Second factor removed." + note)
            if mfa.in_required_groups(acting_user(request)):
                return HttpResponseRedirect(reverse("mfa-setup"))
        return HttpResponseRedirect(back)
