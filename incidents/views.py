"""Web pages for incidents. They read through the same selectors and write
through the same services as the API, so permissions and restricted
visibility are enforced once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from incidents import permissions as rules
from incidents import services
from incidents.choices import INCIDENT_TRANSITIONS, TASK_TRANSITIONS, IncidentAction, TaskAction
from incidents.forms import (
    CommunicationForm,
    EvidenceForm,
    IncidentFilterForm,
    IncidentForm,
    NoteForm,
    RoleForm,
    TransitionForm,
)
from incidents.messages import INCIDENT_DONE, PAGE
from incidents.models import Incident
from incidents.selectors import (
    evidence_for,
    incident_list,
    role_history_for,
    timeline_for,
)
from portal.audit import audit_record
from portal.errors import DomainError, PreconditionFailed
from portal.panels import render_panels
from portal.ui import RoleRequiredMixin, apply_errors, error_text, paginate, querystring_without_page
from portal.users import Viewer, acting_user


def incident_page_access(user: Viewer) -> dict[str, bool]:
    """What the incident page (and its timeline, re-rendered alone by htmx) offers ``user``."""
    return {
        "change_incident": rules.can_change_incident(user),
        "add_timeline_note": rules.can_add_timeline_note(user),
        "mark_for_regulators": rules.can_mark_for_regulators(user),
        "assign_roles": rules.can_assign_roles(user),
        "add_evidence": rules.can_add_evidence(user),
        "move_tasks": rules.can_move_tasks(user),
        "add_communication": rules.can_add_communication(user),
    }


def _incident(request: HttpRequest, pk: int) -> Incident:
    try:
        return incident_list(request.user).get(pk=pk)
    except Incident.DoesNotExist:
        raise Http404("No such incident.") from None


class IncidentListView(RoleRequiredMixin, TemplateView):
    template_name = "incidents/list.html"
    section = "incidents"
    required_permissions = rules.PAGE_INCIDENTS

    def get_access(self) -> Mapping[str, bool]:
        return {"declare_incident": rules.can_declare_incident(self.request.user)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = IncidentFilterForm(self.request.GET or None)
        incidents = incident_list(self.request.user)
        if form.is_valid():
            data = form.cleaned_data
            if data["q"]:
                query = data["q"].replace("\x00", "")
                incidents = incidents.filter(
                    Q(reference__icontains=query) | Q(title__icontains=query) | Q(summary__icontains=query)
                )
            if data["status"]:
                incidents = incidents.filter(status__in=data["status"])
            if data["severity"]:
                incidents = incidents.filter(severity__in=data["severity"])
            if data["category"]:
                incidents = incidents.filter(category=data["category"])
            if data["exercise"]:
                incidents = incidents.filter(is_exercise=data["exercise"] == "yes")
        context["form"] = form
        context["page"] = paginate(self.request, incidents.order_by("-detected_at", "-id"))
        context["qs"] = querystring_without_page(self.request)
        return context


class IncidentCreateView(RoleRequiredMixin, FormView):
    template_name = "incidents/form.html"
    form_class = IncidentForm
    section = "incidents"
    required_permissions = rules.PAGE_DECLARE

    def form_valid(self, form: IncidentForm) -> HttpResponse:
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        try:
            incident = services.incident_create(actor=acting_user(self.request), **data)
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, PAGE["declared"].format(reference=incident.reference))
        return HttpResponseRedirect(reverse("incidents:detail", args=[incident.pk]))


class IncidentEditView(RoleRequiredMixin, FormView):
    template_name = "incidents/form.html"
    form_class = IncidentForm
    section = "incidents"
    required_permissions = rules.PAGE_EDIT

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            self.incident = _incident(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        incident = self.incident
        return {field: getattr(incident, field) for field in services.EDITABLE_FIELDS} | {
            "services": list(incident.services.all())
        }

    def get_form(self, form_class: Any = None) -> IncidentForm:
        form = super().get_form(form_class)
        del form.fields["team"]  # teams are pulled in from the incident page, not by editing
        form.fields[
            "detected_at"
        ].help_text = "Leave empty to use the awareness time below, or to keep it as it is."
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(incident=self.incident, **kwargs)

    def form_valid(self, form: IncidentForm) -> HttpResponse:
        data = {field: form.cleaned_data[field] for field in form.changed_data}
        if "detected_at" in data and data["detected_at"] is None:
            data.pop("detected_at")
        try:
            services.incident_update(
                incident=self.incident,
                actor=acting_user(self.request),
                data=data,
                expected_version=int(self.request.POST.get("version", "0") or 0) or None,
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        except PreconditionFailed as error:
            form.add_error(
                None, f"{error} Your changes were not saved; review them against the current version."
            )
            return self.form_invalid(form)
        messages.success(self.request, PAGE["updated"].format(reference=self.incident.reference))
        return HttpResponseRedirect(reverse("incidents:detail", args=[self.incident.pk]))


class IncidentDetailView(RoleRequiredMixin, TemplateView):
    template_name = "incidents/detail.html"
    section = "incidents"
    required_permissions = rules.PAGE_INCIDENTS

    def get_access(self) -> Mapping[str, bool]:
        return incident_page_access(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = _incident(self.request, kwargs["pk"])
        user = self.request.user
        context.update(
            incident=incident,
            actions=[
                (action, IncidentAction(action).label)
                for action in INCIDENT_TRANSITIONS
                if rules.can_transition_incident(user, incident, action)
            ],
            timeline=timeline_for(incident),
            evidence=evidence_for(incident),
            roles=[a for a in role_history_for(incident) if a.ended_at is None],
            role_history=role_history_for(incident),
            note_form=kwargs.get("note_form") or NoteForm(),
            role_form=kwargs.get("role_form") or RoleForm(),
            evidence_form=kwargs.get("evidence_form") or EvidenceForm(),
            transition_form=TransitionForm(),
            # Each task with the steps this user may take on it now (the buttons it shows).
            tasks=[
                (task, [a for a in TASK_TRANSITIONS if rules.can_transition_task(user, task, a)])
                for task in incident.tasks.select_related("role", "finished_by").order_by("order", "id")
            ],
            communications=incident.communications.select_related("sender", "template").order_by("-sent_at"),
            communication_form=kwargs.get("communication_form") or CommunicationForm(),
        )
        page = {"incident": incident}
        context["main_panels"] = render_panels("incident.main", self.request, incident, context=page)
        context["side_panels"] = render_panels("incident.side", self.request, incident, context=page)
        return context


def _render_detail(request: HttpRequest, pk: int, **forms: Any) -> HttpResponse:
    """The incident page again, with a form that failed (its errors and input kept)."""
    view = IncidentDetailView()
    view.setup(request, pk=pk)
    return render(request, view.template_name, view.get_context_data(pk=pk, **forms))


@method_decorator(require_POST, name="dispatch")
class TransitionView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_TRANSITION

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        incident = _incident(request, pk)
        if action not in INCIDENT_TRANSITIONS:
            raise Http404("Unknown action.")
        form = TransitionForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.incident_transition(incident=incident, action=action, actor=acting_user(request), note=note)
            messages.success(request, INCIDENT_DONE[action].format(reference=incident.reference))
        except (DomainError, ValidationError) as error:
            messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("incidents:detail", args=[pk]))


@method_decorator(require_POST, name="dispatch")
class NoteView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_NOTE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = _incident(request, pk)
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                services.incident_add_note(
                    incident=incident,
                    actor=acting_user(request),
                    text=form.cleaned_data["text"],
                    occurred_at=form.cleaned_data["occurred_at"],
                )
                form = NoteForm()
            except ValidationError as error:
                apply_errors(form, error)
        if request.htmx:  # type: ignore[attr-defined]
            return render(
                request,
                "incidents/_timeline.html",
                {
                    "incident": incident,
                    "timeline": timeline_for(incident),
                    "note_form": form,
                    "can": incident_page_access(request.user),
                },
            )
        if form.errors:
            return _render_detail(request, pk, note_form=form)
        return HttpResponseRedirect(reverse("incidents:detail", args=[pk]) + "#timeline")


@method_decorator(require_POST, name="dispatch")
class TimelineMarkView(RoleRequiredMixin, View):
    """Mark a timeline entry "for regulators" (or unmark it)."""

    required_permissions = rules.PAGE_TIMELINE_MARK

    def post(self, request: HttpRequest, pk: int, event_id: int) -> HttpResponse:
        incident = _incident(request, pk)
        event = incident.timeline.filter(pk=event_id).first()
        if event is None:
            raise Http404("No such timeline entry.")
        value = request.POST.get("for_regulators", "")
        if value not in ("true", "false"):
            messages.error(request, "for_regulators: choose true or false.")
        else:
            services.timeline_mark_for_regulators(
                event=event, actor=request.user, for_regulators=value == "true"
            )
        return HttpResponseRedirect(reverse("incidents:detail", args=[pk]) + "#timeline")


@method_decorator(require_POST, name="dispatch")
class RoleAssignView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_ASSIGN_ROLE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = _incident(request, pk)
        form = RoleForm(request.POST)
        if not form.is_valid():
            return _render_detail(request, pk, role_form=form)
        else:
            try:
                services.incident_assign_role(
                    incident=incident,
                    role=form.cleaned_data["role"],
                    user=form.cleaned_data["user"],
                    actor=acting_user(request),
                )
                messages.success(request, PAGE["role_updated"].format(role=form.cleaned_data["role"]))
            except ValidationError as error:
                messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("incidents:detail", args=[pk]) + "#roles")


@method_decorator(require_POST, name="dispatch")
class EvidenceUploadView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_ADD_EVIDENCE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = _incident(request, pk)
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                evidence = services.evidence_add(
                    incident=incident,
                    actor=acting_user(request),
                    upload=form.cleaned_data["file"],
                    description=form.cleaned_data["description"],
                )
                messages.success(
                    request, f"{evidence.original_name} stored (SHA-256 {evidence.sha256[:16]}…)."
                )
                return HttpResponseRedirect(reverse("incidents:detail", args=[pk]) + "#evidence")
            except ValidationError as error:
                apply_errors(form, error)
        return _render_detail(request, pk, evidence_form=form)


class EvidenceDownloadView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_DOWNLOAD_EVIDENCE

    def get(self, request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
        incident = _incident(request, pk)
        evidence = evidence_for(incident).filter(pk=evidence_id).first()
        if evidence is None:
            raise Http404("No such evidence.")
        audit_record(
            action="evidence.downloaded",
            actor=request.user,
            obj=evidence,
            changes={"incident": incident.reference, "sha256": evidence.sha256},
        )
        response = FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=evidence.download_name(),
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


@method_decorator(require_POST, name="dispatch")
class TaskActionView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_TASK_TRANSITION

    def post(self, request: HttpRequest, pk: int, task_id: int, action: str) -> HttpResponse:
        incident = _incident(request, pk)
        task = incident.tasks.filter(pk=task_id).first()
        if task is None or action not in TaskAction.values:
            raise Http404("No such task.")
        try:
            services.task_transition(
                task=task, action=action, actor=acting_user(request), note=request.POST.get("note", "")[:5000]
            )
        except (DomainError, ValidationError) as error:
            messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("incidents:detail", args=[pk]) + "#tasks")


@method_decorator(require_POST, name="dispatch")
class CommunicationView(RoleRequiredMixin, View):
    """Preview (htmx) or send a stakeholder message rendered from a reviewed template."""

    required_permissions = rules.PAGE_COMMUNICATION

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = _incident(request, pk)
        form = CommunicationForm(request.POST)
        if request.POST.get("preview"):
            rendered = None
            error = ""
            if form.is_valid():
                try:
                    rendered = services.render_stakeholder_message(form.cleaned_data["template"], incident)
                except (DomainError, ValidationError) as problem:
                    error = error_text(problem)
            else:
                error = "Choose a template."
            return render(request, "incidents/_preview.html", {"rendered": rendered, "error": error})
        if form.is_valid():
            try:
                services.communication_send(
                    incident=incident,
                    actor=acting_user(request),
                    template=form.cleaned_data["template"],
                    recipients=form.cleaned_data["recipients"],
                )
                messages.success(request, "Message recorded; email goes out once saved.")
                return HttpResponseRedirect(reverse("incidents:detail", args=[pk]) + "#communications")
            except (DomainError, ValidationError) as error:
                apply_errors(form, error)
        return _render_detail(request, pk, communication_form=form)
