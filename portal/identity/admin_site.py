from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal.identity import mfa


class PortalAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Staff of the MFA roles reach the admin only with a verified second factor.
        return super().has_permission(request) and not mfa.needs_second_factor_now(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if settings.PASSWORD_LOGIN == "none":
            next_url = request.GET.get("next", reverse("admin:index"))
            return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
        return super().login(request, extra_context)
