"""Pages of the portal app: sign-in, dashboard, profile and the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from portal.audit_verify import verification_state, verify_incremental
from portal.checkpoints import newest_checkpoint
from portal.forms import AlarmForm, ProfileForm, TokenForm
from portal.identity.mfa_views import second_factor_context
from portal.models import ApiToken, AuditEvent, AuditVerification, UserProfile
from portal.panels import render_panels
from portal.permissions import can_view_audit_trail
from portal.tokens import api_token_create, api_token_revoke
from portal.ui import RoleRequiredMixin, paginate, querystring_without_page
from portal.users import acting_user


class DashboardView(RoleRequiredMixin, TemplateView):
    """The first page after sign-in: each app contributes its panels (``portal.panels``)."""

    template_name = "portal/dashboard.html"
    section = "dashboard"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["panels"] = {
            area: render_panels(f"dashboard.{area}", self.request)
            for area in ("actions", "stats", "main", "charts")
        }
        return context


class ProfileView(RoleRequiredMixin, TemplateView):
    template_name = "portal/profile.html"
    section = "profile"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = acting_user(self.request)
        profile, _ = UserProfile.objects.get_or_create(user=user)
        context.setdefault("profile_form", ProfileForm(instance=profile))
        context.setdefault("token_form", TokenForm())
        context["tokens"] = ApiToken.objects.filter(user=user)
        context["new_token"] = self.request.session.pop("new_token", None)
        context.update(second_factor_context(self.request))  # the sign-in security card
        alarm_form = context.pop("alarm_form", None) or AlarmForm(instance=profile)
        context["panels"] = render_panels("profile", self.request, context={"alarm_form": alarm_form})
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action")
        user = acting_user(request)
        if action == "timezone":
            profile, _ = UserProfile.objects.get_or_create(user=user)
            form = ProfileForm(request.POST, instance=profile)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(profile_form=form))
            form.save()
            messages.success(request, "Time zone saved.")
        elif action == "alarms":
            profile, _ = UserProfile.objects.get_or_create(user=user)
            alarm_form = AlarmForm(request.POST, instance=profile)
            if not alarm_form.is_valid():
                return self.render_to_response(self.get_context_data(alarm_form=alarm_form))
            alarm_form.save()
            messages.success(request, "Calendar alarms saved.")
        elif action == "create_token":
            token_form = TokenForm(request.POST)
            if not token_form.is_valid():
                return self.render_to_response(self.get_context_data(token_form=token_form))
            issued = api_token_create(
                user=user,
                name=token_form.cleaned_data["name"],
                actor=user,
                expires_at=timezone.now() + timedelta(days=token_form.cleaned_data["expires_in_days"]),
            )
            request.session["new_token"] = issued.key
            messages.success(request, "Token created. Copy it now: it will not be shown again.")
        elif action == "revoke_token":
            token_id = request.POST.get("token", "")
            token = get_object_or_404(ApiToken, pk=int(token_id) if token_id.isdigit() else 0, user=user)
            api_token_revoke(token=token, actor=user)
            messages.success(request, f"Token {token.prefix}… revoked.")
        return HttpResponseRedirect(reverse("profile"))


class AuditView(RoleRequiredMixin, TemplateView):
    """The audit trail (auditors, administrators) and the panels other apps add to the page.

    Someone who may not read the trail but for whom a panel has something to
    show (a compliance officer and the evidence-pack form) sees the panels alone.
    """

    template_name = "portal/audit.html"
    section = "audit"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["panels"] = render_panels("audit", self.request)
        context["can_view_trail"] = can_view_audit_trail(self.request.user)
        if not context["can_view_trail"]:
            if not context["panels"]:
                raise PermissionDenied("Your role does not allow this.")
            return context
        query = self.request.GET.get("q", "").strip()[:200].replace("\x00", "")
        events = AuditEvent.objects.all()
        if query:
            events = events.filter(
                Q(action__icontains=query)
                | Q(object_repr__icontains=query)
                | Q(actor_username__icontains=query)
                | Q(object_id=query)
                | Q(request_id=query)
            )
        context["page"] = paginate(self.request, events, 50)
        context["query"] = query
        context["qs"] = querystring_without_page(self.request)
        for event in context["page"]:
            event.diff = readable_changes(event.changes)
        context["verification"] = verify_incremental()
        context["verification_state"] = verification_state(context["verification"])
        context["last_full"] = (
            AuditVerification.objects.filter(kind=AuditVerification.Kind.FULL)
            .order_by("-verified_at")
            .first()
        )
        context["checkpoint"] = newest_checkpoint()
        return context


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)[:300]
    return str(value)[:300]


def readable_changes(changes: Any) -> list[dict[str, str]]:
    """An event's ``changes`` as rows a person reads: ``field: old -> new`` or ``field: value``.

    ``model_changes`` stores ``{field: [old, new]}``; other events store plain
    facts (``{"reason": ...}``), shown as they are.
    """
    if not isinstance(changes, dict):
        return [{"field": "", "value": _shown(changes)}] if changes else []
    rows = []
    for name, value in changes.items():
        label = str(name).replace("_", " ")
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": label, "old": _shown(value[0]), "new": _shown(value[1])})
        else:
            rows.append({"field": label, "value": _shown(value)})
    return rows
