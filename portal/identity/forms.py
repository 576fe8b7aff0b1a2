from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from portal.identity.lockout import confirm_password
from portal.users import acting_user


class PasswordLoginForm(AuthenticationForm):
    """Django's sign-in form, refusing outright when ``PASSWORD_LOGIN=none``."""

    def clean(self) -> dict[str, Any]:
        if settings.PASSWORD_LOGIN == "none":
            raise forms.ValidationError(
                f"Password sign-in is turned off: sign in with {settings.OIDC_PROVIDER_NAME}.",
                code="password_login_off",
            )
        return super().clean()


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=64,
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class CurrentPasswordForm(forms.Form):
    """Asks for the signed-in user's password again; wrong answers count towards the lockout."""

    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        problem = confirm_password(self.request, password)
        if problem:
            raise forms.ValidationError(problem, code="wrong_password")
        return password


class NewPasswordForm(CurrentPasswordForm):
    new_password1 = forms.CharField(
        label="New password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second:
            if first != second:
                self.add_error("new_password2", "The two new passwords differ.")
            else:
                try:
                    password_validation.validate_password(first, acting_user(self.request))
                except forms.ValidationError as exc:
                    self.add_error("new_password1", exc)
        return cleaned
