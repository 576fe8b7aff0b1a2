"""The list of post-mortems and the form that starts one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from incidents.models import Incident
from incidents.selectors import incidents_visible_to
from portal.ui import RoleRequiredMixin, apply_errors, paginate, querystring_without_page
from portal.users import acting_user
from postmortems import permissions as rules
from postmortems import services
from postmortems.choices import ACTION_ITEM_OPEN_STATUSES, PostmortemStatus
from postmortems.forms import PostmortemCreateForm, PostmortemFilterForm, reviewers, users_all
from postmortems.models import PostmortemIncident, PostmortemTemplate, TemplateSection
from postmortems.selectors import postmortems_visible_to

# --- the list -----------------------------------------------------------------------------------------


class PostmortemListView(RoleRequiredMixin, TemplateView):
    template_name = "postmortems/list.html"
    section = "postmortems"
    required_permissions = rules.PAGE_POSTMORTEMS

    def get_access(self) -> dict[str, bool]:
        return {"start_postmortem": rules.can_start_postmortem(self.request.user)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = acting_user(self.request)
        form = PostmortemFilterForm(self.request.GET or None)
        today = timezone.localdate()
        postmortems = (
            postmortems_visible_to(user)
            .select_related("owner", "template")
            .prefetch_related(
                Prefetch(
                    "incidents",
                    queryset=Incident.objects.select_related("severity").order_by("detected_at", "id"),
                )
            )
            .annotate(
                items_total=Count("action_items", distinct=True),
                items_open=Count(
                    "action_items",
                    filter=Q(action_items__status__in=sorted(ACTION_ITEM_OPEN_STATUSES)),
                    distinct=True,
                ),
                items_overdue=Count(
                    "action_items",
                    filter=Q(
                        action_items__status__in=sorted(ACTION_ITEM_OPEN_STATUSES),
                        action_items__due_date__lt=today,
                    ),
                    distinct=True,
                ),
            )
        )
        if form.is_valid():
            data = form.cleaned_data
            if data["q"]:
                query = data["q"].replace("\x00", "").strip()
                covering = PostmortemIncident.objects.filter(
                    Q(incident__reference__icontains=query) | Q(incident__title__icontains=query)
                ).values("postmortem_id")
                postmortems = postmortems.filter(Q(title__icontains=query) | Q(pk__in=covering))
            if data["status"]:
                postmortems = postmortems.filter(status=data["status"])
            if data["owner"] == "me":
                postmortems = postmortems.filter(owner=user)
        context["form"] = form
        context["page"] = paginate(self.request, postmortems.order_by("-created_at", "-id"))
        context["statuses"] = PostmortemStatus
        context["qs"] = querystring_without_page(self.request)
        if context["can"]["start_postmortem"]:
            context["waiting"] = (
                incidents_visible_to(user)
                .filter(status__in=sorted(services.RESOLVED_STATUSES), is_exercise=False)
                .exclude(Exists(PostmortemIncident.objects.filter(incident=OuterRef("pk"))))
                .select_related("severity")
                .order_by(F("resolved_at").desc(nulls_last=True), "-id")[:8]
            )
        return context


# --- starting one -------------------------------------------------------------------------------------

#: How many of the incidents that do not qualify yet the start form names.
UNRESOLVED_SHOWN = 5


class PostmortemCreateView(RoleRequiredMixin, TemplateView):
    template_name = "postmortems/new.html"
    section = "postmortems"
    required_permissions = rules.PAGE_START_POSTMORTEM

    def _form(self, data: Any = None, initial: dict[str, Any] | None = None) -> PostmortemCreateForm:
        user = acting_user(self.request)
        incidents = (
            incidents_visible_to(user)
            .filter(status__in=sorted(services.RESOLVED_STATUSES))
            .annotate(has_postmortem=Exists(PostmortemIncident.objects.filter(incident=OuterRef("pk"))))
            .order_by("has_postmortem", F("resolved_at").desc(nulls_last=True), "-id")
        )
        templates = PostmortemTemplate.objects.filter(is_active=True).prefetch_related(
            Prefetch("sections", queryset=TemplateSection.objects.order_by("order", "id"))
        )
        return PostmortemCreateForm(
            data,
            initial=initial,
            incidents=incidents,
            templates=templates,
            people=list(users_all()),
            reviewer_people=list(reviewers().exclude(pk=user.pk)),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form")
        if form is None:
            initial: dict[str, Any] = {
                "template": PostmortemTemplate.objects.filter(slug="standard", is_active=True).first()
            }
            wanted = self.request.GET.get("incident", "")
            if wanted.isdigit() and len(wanted) < 19:
                incident = incidents_visible_to(self.request.user).filter(pk=int(wanted)).first()
                if incident is not None and incident.status in services.RESOLVED_STATUSES:
                    initial["incidents"] = [incident.pk]
                elif incident is not None:
                    context["not_resolved"] = incident
            form = self._form(initial=initial)
        context["form"] = form
        context.update(self._not_offered(form))
        return context

    def _not_offered(self, form: PostmortemCreateForm) -> dict[str, Any]:
        """Which visible incidents the list leaves out, and why: only resolved or closed ones qualify."""
        unresolved = incidents_visible_to(self.request.user).exclude(
            status__in=sorted(services.RESOLVED_STATUSES)
        )
        count = unresolved.count()
        return {
            "unresolved_count": count,
            "unresolved": list(unresolved.order_by("-detected_at", "-id")[:UNRESOLVED_SHOWN]),
            "unresolved_more": max(count - UNRESOLVED_SHOWN, 0),
            "qualifying_count": form.qualifying_incidents().count(),
        }

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            postmortem = services.postmortem_create(
                actor=acting_user(request),
                incidents=list(data["incidents"]),
                template=data["template"],
                title=data["title"],
                facilitator=data["facilitator"],
                reviewers=data["reviewers"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            f"{postmortem.reference} started from the {data['template'].name} template, "
            "with the incidents' timelines imported.",
        )
        return HttpResponseRedirect(reverse("postmortems:detail", args=[postmortem.pk]))
