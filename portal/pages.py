"""Pages of the portal app: sign-in, dashboard, profile and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from incidents.choices import OPEN_STATUSES
from incidents.kpis import KpiFilters, incident_kpis
from incidents.models import Severity
from incidents.selectors import incidents_visible_to
from portal.audit import verify_chain
from portal.charts import Series, bar_chart, line_chart
from portal.forms import ProfileForm, TokenForm
from portal.identity.mfa_views import second_factor_context
from portal.models import ApiToken, AuditEvent, UserProfile
from portal.tokens import api_token_create, api_token_revoke
from portal.ui import RoleRequiredMixin, month_labels, paginate, querystring_without_page, twelve_months_ago


class DashboardView(RoleRequiredMixin, TemplateView):
    template_name = "portal/dashboard.html"
    section = "dashboard"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        incidents = incidents_visible_to(user)
        open_incidents = incidents.filter(status__in=OPEN_STATUSES, is_exercise=False)
        by_severity = {
            row["severity"]: row["n"] for row in open_incidents.values("severity").annotate(n=Count("id"))
        }
        context["open_by_severity"] = [
            (severity, by_severity.get(severity.pk, 0)) for severity in Severity.objects.all()
        ]
        context["open_total"] = sum(by_severity.values())
        context["recent_open"] = open_incidents.select_related("severity", "category").order_by(
            "-detected_at"
        )[:8]
        since = twelve_months_ago()
        labels = month_labels(since.date(), 12)
        context.update(self._kpi_charts(user, since, labels))
        context.update(self._compliance(user, since, labels))
        context.update(self._action_items(user))
        return context

    def _kpi_charts(self, user: Any, since: Any, labels: list[str]) -> dict[str, Any]:
        rows = incident_kpis(user, KpiFilters(categories=[], severities=[], detected_after=since))
        totals: dict[str, dict[str, float]] = {}
        for row in rows:
            bucket = totals.setdefault(
                row["month"], {"n": 0, "mttd": 0.0, "mttd_n": 0, "mttr": 0.0, "mttr_n": 0}
            )
            bucket["n"] += row["incidents"]
            for key in ("mttd", "mttr"):
                if row[f"{key}_seconds"] is not None:
                    bucket[key] += row[f"{key}_seconds"] * row["incidents"]
                    bucket[f"{key}_n"] += row["incidents"]

        def hours(month: str, key: str) -> float | None:
            bucket = totals.get(month)
            if not bucket or not bucket[f"{key}_n"]:
                return None
            return round(bucket[key] / bucket[f"{key}_n"] / 3600, 1)

        chart = line_chart(
            [label[2:] for label in labels],
            [
                Series("MTTD (h)", [hours(m, "mttd") for m in labels]),
                Series("MTTR (h)", [hours(m, "mttr") for m in labels]),
            ],
            unit="h",
            title="Mean time to detect and to resolve, hours, by month of detection",
        )
        table = [(m, hours(m, "mttd"), hours(m, "mttr"), int(totals.get(m, {}).get("n", 0))) for m in labels]
        return {"kpi_chart": chart, "kpi_table": table}

    def _compliance(self, user: Any, since: Any, labels: list[str]) -> dict[str, Any]:
        if not user.has_perm("compliance.view_obligation"):
            return {}
        from compliance.choices import ObligationStatus
        from compliance.kpis import notification_kpis
        from compliance.selectors import obligations_visible_to

        board = (
            obligations_visible_to(user)
            .filter(status=ObligationStatus.OPEN, incident__is_exercise=False)
            .order_by("due_at", "code")[:15]
        )
        rates = {row["month"]: row for row in notification_kpis(user, since=since)}
        chart = bar_chart(
            [label[2:] for label in labels],
            [rates[m]["rate"] if m in rates else None for m in labels],
            unit="%",
            title="Regulatory notifications made on time, by month of the deadline",
            maximum=100,
        )
        due = sum(row["due"] for row in rates.values())
        on_time = sum(row["on_time"] for row in rates.values())
        return {
            "deadline_board": board,
            "now": timezone.now(),
            "rate_chart": chart,
            "rate_total": round(100 * on_time / due, 1) if due else None,
            "rate_counts": (on_time, due),
        }

    def _action_items(self, user: Any) -> dict[str, Any]:
        if not apps.is_installed("postmortems") or not user.has_perm("postmortems.view_actionitem"):
            return {}
        try:
            from postmortems.selectors import action_items_visible_to
        except ImportError:
            return {}
        overdue = [
            item for item in action_items_visible_to(user).select_related("owner")[:500] if item.is_overdue
        ]
        return {"overdue_items": overdue[:10], "overdue_items_count": len(overdue)}


class ProfileView(RoleRequiredMixin, TemplateView):
    template_name = "portal/profile.html"
    section = "profile"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile, _ = UserProfile.objects.get_or_create(user=self.request.user)
        context.setdefault("profile_form", ProfileForm(instance=profile))
        context.setdefault("token_form", TokenForm())
        context["tokens"] = ApiToken.objects.filter(user=self.request.user)
        context["new_token"] = self.request.session.pop("new_token", None)
        context["feed_url"] = self.request.session.pop("feed_url", None)
        context["can_feed"] = self.request.user.has_perm("compliance.view_obligation")
        context.update(second_factor_context(self.request))  # the sign-in security card
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action")
        if action == "timezone":
            profile, _ = UserProfile.objects.get_or_create(user=request.user)
            form = ProfileForm(request.POST, instance=profile)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(profile_form=form))
            form.save()
            messages.success(request, "Time zone saved.")
        elif action == "create_token":
            form = TokenForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(token_form=form))
            issued = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                actor=request.user,
                expires_at=timezone.now() + timedelta(days=form.cleaned_data["expires_in_days"]),
            )
            request.session["new_token"] = issued.key
            messages.success(request, "Token created. Copy it now: it will not be shown again.")
        elif action == "revoke_token":
            token_id = request.POST.get("token", "")
            token = get_object_or_404(
                ApiToken, pk=int(token_id) if token_id.isdigit() else 0, user=request.user
            )
            api_token_revoke(token=token, actor=request.user)
            messages.success(request, f"Token {token.prefix}… revoked.")
        elif action == "rotate_feed" and request.user.has_perm("compliance.view_obligation"):
            from compliance.calendar import feed_token_rotate

            key = feed_token_rotate(user=request.user)
            request.session["feed_url"] = request.build_absolute_uri(
                f"/api/v1/compliance/deadlines.ics?token={key}"
            )
            messages.success(request, "New calendar feed URL created; the previous one no longer works.")
        return HttpResponseRedirect(reverse("profile"))


class AuditView(RoleRequiredMixin, TemplateView):
    template_name = "portal/audit.html"
    section = "audit"
    required_permissions = ["portal.view_auditevent"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
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
        checked, broken = verify_chain()
        context["chain"] = {"checked": checked, "broken": broken}
        return context
