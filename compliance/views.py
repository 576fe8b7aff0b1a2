"""Web pages for compliance officers: the obligations board, the assessment
of an incident, and the report editor. Reads go through the selectors,
writes through the services, exactly as in the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from compliance import permissions as rules
from compliance import services
from compliance.applicability import applicability_for
from compliance.calendar import feed_token_rotate
from compliance.choices import DecisionKind, ObligationStatus, ReportAction, ReportStatus
from compliance.documents import regulator_timeline, report_pdf_file, timeline_drift
from compliance.facts import current_decisions
from compliance.forms import (
    AssessmentForm,
    DecisionForm,
    ObligationFilterForm,
    RationaleForm,
    SubmitForm,
    report_fields_form,
)
from compliance.messages import PAGE, REPORT_DONE
from compliance.models import Assessment, Obligation, RegulatorReport
from compliance.report_fields import field_info
from compliance.selectors import obligations_visible_to, reports_visible_to
from incidents.models import Incident
from incidents.selectors import incident_list
from portal.downloads import attachment, stored_attachment
from portal.errors import DomainError, PreconditionFailed
from portal.pdf_pages import PdfFailed, pdf_render_guard
from portal.ui import RoleRequiredMixin, apply_errors, error_text, paginate, querystring_without_page
from portal.users import acting_user, display_name


class BoardView(RoleRequiredMixin, TemplateView):
    template_name = "compliance/board.html"
    section = "compliance"
    required_permissions = rules.PAGE_BOARD

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        if "status" not in data:
            data["status"] = "open"
        form = ObligationFilterForm(data)
        obligations = obligations_visible_to(self.request.user).prefetch_related("reports")
        if form.is_valid():
            if form.cleaned_data["status"]:
                obligations = obligations.filter(status=form.cleaned_data["status"])
            if form.cleaned_data["regime"]:
                obligations = obligations.filter(regime__iexact=form.cleaned_data["regime"].strip())
            if form.cleaned_data["entity"]:
                obligations = obligations.filter(entity=form.cleaned_data["entity"])
            if form.cleaned_data["overdue"]:
                obligations = obligations.filter(status=ObligationStatus.OPEN, due_at__lt=timezone.now())
        context["form"] = form
        context["page"] = paginate(self.request, obligations.order_by("due_at", "code"), 30)
        context["qs"] = querystring_without_page(self.request)
        context["reports"] = reports_visible_to(self.request.user).exclude(status=ReportStatus.SUBMITTED)[:20]
        return context


class ObligationView(RoleRequiredMixin, TemplateView):
    template_name = "compliance/obligation.html"
    section = "compliance"
    required_permissions = rules.PAGE_OBLIGATION

    def _obligation(self, pk: int) -> Obligation:
        obligation = obligations_visible_to(self.request.user).filter(pk=pk).first()
        if obligation is None:
            raise Http404("No such obligation.")
        return obligation

    def get_access(self) -> Mapping[str, bool]:
        user, obligation = self.request.user, self.obligation
        return {
            "draft_report": rules.can_draft_report(user, obligation),
            "mark_not_required": rules.can_mark_not_required(user, obligation),
            "reopen_obligation": rules.can_reopen_obligation(user, obligation),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # Read first: the page's access (``can``) is about this obligation.
        self.obligation = obligation = self._obligation(kwargs["pk"])
        context = super().get_context_data(**kwargs)
        context.update(
            obligation=obligation,
            reports=obligation.reports.select_related("author", "approver"),
            due_changes=obligation.due_changes.all(),
            rationale_form=kwargs.get("rationale_form") or RationaleForm(),
            fields=[field_info(key) for key in obligation.required_fields],
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obligation = self._obligation(pk)
        actor = acting_user(request)
        action = request.POST.get("action")
        try:
            if action == "draft":
                if not rules.can_draft_reports(request.user):
                    raise PermissionDenied
                report = services.report_create(obligation=obligation, actor=actor)
                return HttpResponseRedirect(reverse("compliance:report", args=[report.pk]))
            if action in ("not_required", "reopen"):
                if not rules.can_decide_obligations(request.user):
                    raise PermissionDenied
                form = RationaleForm(request.POST)
                if not form.is_valid():
                    # Shown again with the error next to the field and what was typed kept.
                    return self.render_to_response(self.get_context_data(pk=pk, rationale_form=form))
                if action == "not_required":
                    services.obligation_mark_not_required(
                        obligation=obligation, actor=actor, rationale=form.cleaned_data["rationale"]
                    )
                    messages.success(request, PAGE["not_required"].format(code=obligation.code))
                else:
                    services.obligation_reopen(
                        obligation=obligation, actor=actor, rationale=form.cleaned_data["rationale"]
                    )
                    messages.success(request, PAGE["reopened"].format(code=obligation.code))
        except (DomainError, ValidationError) as error:
            messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("compliance:obligation", args=[pk]))


class AssessmentView(RoleRequiredMixin, TemplateView):
    template_name = "compliance/assessment.html"
    section = "compliance"
    required_permissions = rules.PAGE_ASSESSMENT

    def _incident(self, pk: int) -> Incident:
        incident = incident_list(self.request.user).filter(pk=pk).first()
        if incident is None:
            raise Http404("No such incident.")
        return incident

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = self._incident(kwargs["pk"])
        assessment = Assessment.objects.filter(incident=incident).select_related("entity").first()
        initial: dict[str, Any] = {}
        if assessment is not None:
            initial = {
                field: getattr(assessment, field)
                for field in (
                    "entity",
                    "personal_data_involved",
                    "risk",
                    "risk_rationale",
                    "data_subjects",
                    "records",
                    "data_categories",
                    "phi_involved",
                    "phi_secured",
                    "data_subject_exemption",
                    "dora_criteria",
                )
            }
            initial["subjects_by_jurisdiction"] = "\n".join(
                f"{code} {count}" for code, count in sorted(assessment.subjects_by_jurisdiction.items())
            )
            initial["hipaa_low_probability"] = bool(
                assessment.hipaa_four_factor.get("low_probability_of_compromise")
            )
        context.update(
            incident=incident,
            assessment=assessment,
            form=kwargs.get("form") or AssessmentForm(initial=initial),
            decision_form=kwargs.get("decision_form") or DecisionForm(),
            decision_rows=[
                (label, (current_decisions(assessment) if assessment else {}).get(kind))
                for kind, label in DecisionKind.choices
            ],
            history=assessment.decisions.select_related("decided_by").order_by("-recorded_at")
            if assessment
            else [],
            obligations=obligations_visible_to(self.request.user).filter(incident=incident),
            applicability=applicability_for(assessment) if assessment is not None else [],
        )
        return context

    def get_access(self) -> Mapping[str, bool]:
        return {"assess": rules.can_assess(self.request.user)}

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not rules.can_assess(request.user):
            raise PermissionDenied
        actor = acting_user(request)
        incident = self._incident(pk)
        if request.POST.get("action") == "decision":
            decision_form = DecisionForm(request.POST)
            assessment = Assessment.objects.filter(incident=incident).first()
            if assessment is None:
                messages.error(request, PAGE["assessment_first"])
            elif decision_form.is_valid():
                try:
                    services.decision_record(assessment=assessment, actor=actor, **decision_form.cleaned_data)
                    messages.success(request, PAGE["decision_recorded"])
                    return HttpResponseRedirect(reverse("compliance:assessment", args=[pk]))
                except ValidationError as error:
                    apply_errors(decision_form, error)
            return self.render_to_response(self.get_context_data(pk=pk, decision_form=decision_form))
        form = AssessmentForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(pk=pk, form=form))
        data = dict(form.cleaned_data)
        low = data.pop("hipaa_low_probability")
        existing = Assessment.objects.filter(incident=incident).first()
        four_factor = dict(existing.hipaa_four_factor) if existing else {}
        four_factor["low_probability_of_compromise"] = low
        data["hipaa_four_factor"] = four_factor
        try:
            services.assessment_save(incident=incident, actor=actor, data=data)
        except ValidationError as error:
            apply_errors(form, error)
            return self.render_to_response(self.get_context_data(pk=pk, form=form))
        messages.success(request, PAGE["assessment_saved"])
        return HttpResponseRedirect(reverse("compliance:assessment", args=[pk]))


class ReportView(RoleRequiredMixin, TemplateView):
    template_name = "compliance/report.html"
    section = "compliance"
    required_permissions = rules.PAGE_REPORT
    #: How the printable timeline differs from what the approver saw (approved reports only).
    timeline_drift = ""

    def _report(self, pk: int) -> RegulatorReport:
        report = reports_visible_to(self.request.user).filter(pk=pk).first()
        if report is None:
            raise Http404("No such report.")
        return report

    def get_access(self) -> Mapping[str, bool]:
        user, report = self.request.user, self.report
        return {
            "edit_report": rules.can_edit_report(user, report),
            "submit_for_review": rules.can_submit_for_review(user, report),
            "approve_report": rules.can_approve_report(user, report),
            "request_changes": rules.can_request_changes(user, report),
            "withdraw_approval": rules.can_withdraw_approval(user, report),
            # Not while the lines to print differ from what the approver saw: the service refuses.
            "submit_report": rules.can_submit_report(user, report) and not self.timeline_drift,
        }

    @staticmethod
    def _labels(report: RegulatorReport) -> tuple[list[str], dict[str, Any]]:
        """The report's fields in order (the required ones first) and how each is shown."""
        keys = services.report_required_fields(report)
        keys += [key for key in report.fields if key not in keys]
        return keys, {key: field_info(key) for key in keys}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # Read first (again after a refused step): the page's access (``can``) is about this report.
        self.report = report = self._report(kwargs["pk"])
        self.timeline_drift = (
            timeline_drift(report, moment=timezone.now()) if report.status == ReportStatus.APPROVED else ""
        )
        context = super().get_context_data(**kwargs)
        keys, labels = self._labels(report)
        missing = services.report_missing_fields(report)
        form = kwargs.get("form") or report_fields_form(keys, labels, initial=report.fields)
        context.update(
            report=report,
            obligation=report.obligation,
            incident=report.incident,
            form=form,
            labels=labels,
            missing=missing,
            missing_labels=[labels[key].label for key in missing if key in labels],
            conflict=kwargs.get("conflict"),
            pdf_error=kwargs.get("pdf_error"),
            complete=round(100 * (len(keys) - len(missing)) / len(keys)) if keys else 100,
            # The author of a report in review is told why there is nothing for them to do.
            review_refusal=rules.review_refusal(self.request.user, report)
            if report.status == ReportStatus.IN_REVIEW
            else None,
            submit_form=kwargs.get("submit_form") or SubmitForm(),
            regulator_lines=regulator_timeline(report, moment=report.submitted_at or timezone.now()),
            timeline_drift=self.timeline_drift,
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self._report(pk)
        action = request.POST.get("action", "save")
        if action == "save":
            return self._save(request, report)
        if action not in ReportAction.values:
            raise Http404("Unknown action.")
        return self._step(request, report, action)

    def _save(self, request: HttpRequest, report: RegulatorReport) -> HttpResponse:
        """New answers for a draft; a save that crossed someone else's shows both versions."""
        if not rules.can_write_reports(request.user):
            raise PermissionDenied
        actor = acting_user(request)
        keys, labels = self._labels(report)
        form = report_fields_form(keys, labels, data=request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(pk=report.pk, form=form))
        version = request.POST.get("version", "")
        try:
            services.report_update(
                report=report,
                actor=actor,
                fields=form.cleaned_data,
                expected_version=int(version) if version.isdigit() else -1,
                include_timeline=request.POST.get("include_timeline") == "on",
            )
        except PreconditionFailed:
            # Show what changed instead of overwriting it; the user's text stays in the form.
            current = RegulatorReport.objects.get(pk=report.pk)
            conflict = [
                (labels[key].label, current.fields.get(key, ""), form.cleaned_data.get(key, ""))
                for key in keys
                if current.fields.get(key, "") != form.cleaned_data.get(key, "")
            ]
            return self.render_to_response(self.get_context_data(pk=report.pk, form=form, conflict=conflict))
        except (DomainError, ValidationError) as error:
            messages.error(request, error_text(error))
            # Refused input (e.g. over the field caps) is a 400; the user's text stays in the form.
            return self.render_to_response(
                self.get_context_data(pk=report.pk, form=form),
                status=400 if isinstance(error, ValidationError) else 200,
            )
        messages.success(request, PAGE["report_saved"])
        return HttpResponseRedirect(reverse("compliance:report", args=[report.pk]))

    def _step(self, request: HttpRequest, report: RegulatorReport, action: str) -> HttpResponse:
        """One step of the review: the role is checked here (403), the rest by the service."""
        actor = acting_user(request)
        submission = None
        if action == ReportAction.SUBMIT:
            submit_form = SubmitForm(request.POST)
            if not submit_form.is_valid():
                return self.render_to_response(self.get_context_data(pk=report.pk, submit_form=submit_form))
            submission = services.SubmissionInput(
                reference=submit_form.cleaned_data["submission_reference"],
                submitted_at=submit_form.cleaned_data["submitted_at"],
            )
        if not rules.can_take_report_step(request.user, action):
            raise PermissionDenied
        try:
            with pdf_render_guard():
                services.report_transition(
                    report=report,
                    action=action,
                    actor=actor,
                    comment=request.POST.get("comment", "")[:10_000],
                    submission=submission,
                )
            messages.success(request, REPORT_DONE[action].format(author=display_name(report.author)))
        except PdfFailed as failure:
            return self._pdf_failed(request, report, failure)
        except PermissionDenied as error:
            messages.error(request, str(error))
        except (DomainError, ValidationError) as error:
            messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("compliance:report", args=[report.pk]))

    def _pdf_failed(self, request: HttpRequest, report: RegulatorReport, failure: PdfFailed) -> HttpResponse:
        """Nothing was changed (the transaction rolled back): the same page again, the typed
        submission reference kept, with what to do and the status a client can act on."""
        response = self.render_to_response(
            self.get_context_data(
                pk=report.pk, submit_form=SubmitForm(request.POST), pdf_error=failure.message
            ),
            status=failure.status,
        )
        if failure.retry_after:
            response["Retry-After"] = failure.retry_after
        return response


class ReportPdfView(RoleRequiredMixin, View):
    """The report page's download: the same file as the API's, but a failed render answers
    with a page that says what to do (portal.pdf_pages), not with JSON."""

    required_permissions = rules.PAGE_REPORT

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        report = reports_visible_to(request.user).filter(pk=pk).first()
        if report is None:
            raise Http404("No such report.")
        try:
            file = report_pdf_file(report, actor=acting_user(request))
        except DomainError as error:
            messages.error(request, error_text(error))
            return HttpResponseRedirect(reverse("compliance:report", args=[report.pk]))
        if file.sha256:
            return stored_attachment(
                file.content, content_type="application/pdf", filename=file.filename, sha256=file.sha256
            )
        return attachment(file.content, content_type="application/pdf", filename=file.filename)


@method_decorator(require_POST, name="dispatch")
class FeedRotateView(RoleRequiredMixin, View):
    """A new secret deadline-feed URL, shown once on the profile page (the compliance panel there)."""

    required_permissions = rules.PAGE_FEED_ROTATE

    def post(self, request: HttpRequest) -> HttpResponse:
        key = feed_token_rotate(user=acting_user(request))
        request.session["feed_url"] = request.build_absolute_uri(
            f"{reverse('compliance-api:deadlines-ics')}?token={key}"
        )
        messages.success(request, PAGE["feed_rotated"])
        return HttpResponseRedirect(reverse("profile"))
