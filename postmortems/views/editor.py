"""The post-mortem editor: the document, its timeline, its action items and its transitions.

Saves carry the version that was read: a stale save shows what changed meanwhile
instead of overwriting it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from portal.errors import DomainError, PreconditionFailed
from portal.markdown import render_markdown
from portal.ui import RoleRequiredMixin, apply_errors, error_text
from portal.users import acting_user, display_name
from postmortems import permissions as rules
from postmortems import services
from postmortems.choices import (
    ACTION_ITEM_OPEN_STATUSES,
    ActionItemStatus,
    PostmortemAction,
    PostmortemStatus,
    TimelineAssessment,
)
from postmortems.forms import ActionItemForm, RequestChangesForm, item_owners
from postmortems.messages import PAGE, POSTMORTEM_DONE, REFUSALS
from postmortems.models import Postmortem, PostmortemTimelineEntry
from postmortems.quality import postmortem_quality
from postmortems.selectors import postmortems_visible_to, revisions_for
from postmortems.views.base import _postmortem, _version
from postmortems.views.document import _anchor, _Choices, _conflict, _document_forms, _impact_rows

# --- the editor ---------------------------------------------------------------------------------------


class PostmortemDetailView(RoleRequiredMixin, TemplateView):
    """The editor (draft and in review, for authors) and the reading view (everyone else)."""

    template_name = "postmortems/detail.html"
    section = "postmortems"
    required_permissions = rules.PAGE_POSTMORTEMS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = acting_user(self.request)
        postmortem = _postmortem(self.request, kwargs["pk"])
        status = postmortem.status
        editable = rules.can_edit_postmortem(user, postmortem)
        reading = not editable or self.request.GET.get("view") == "read"
        can_add_items = rules.can_add_action_item(user)
        choices = _Choices() if editable or can_add_items else None
        sections = [
            (section, "" if section.is_empty else render_markdown(section.body))
            for section in postmortem.sections.all()
        ]
        if editable and not reading:
            assert choices is not None
            form, formset = kwargs.get("form"), kwargs.get("formset")
            if form is None or formset is None:
                form, formset = _document_forms(postmortem, choices)
            fields = dict(form.section_fields_by_key())
            context.update(
                form=form,
                formset=formset,
                edit_sections=[(section, fields[section.key], html) for section, html in sections],
            )
        quality = postmortem_quality(postmortem)
        refusal = rules.review_refusal(user, postmortem) if status == PostmortemStatus.IN_REVIEW else None
        can_review = rules.can_publish_postmortem(user, postmortem)
        items = sorted(
            postmortem.action_items.all(),
            key=lambda item: (
                item.status not in ACTION_ITEM_OPEN_STATUSES,
                item.due_date or date.max,
                item.pk,
            ),
        )
        context.update(
            postmortem=postmortem,
            incidents=list(postmortem.incidents.all()),
            editable=editable,
            reading=reading,
            sections=sections,
            unwritten_optional=[
                section.title for section, html in sections if not html and not section.required
            ],
            factors=list(postmortem.factors.all()),
            items=items,
            can_add_items=can_add_items,
            item_form=kwargs.get("item_form")
            or (
                ActionItemForm(owners=choices.item_owners, prefix="item")
                if can_add_items and choices
                else None
            ),
            timeline=list(postmortem.timeline_entries.all()),
            several_incidents=len(postmortem.incidents.all()) > 1,
            quality=quality,
            quality_errors=[(finding, _anchor(finding, not reading)) for finding in quality.errors],
            quality_warnings=[(finding, _anchor(finding, not reading)) for finding in quality.warnings],
            impact_rows=_impact_rows(postmortem),
            can_submit=rules.can_submit_postmortem(user, postmortem),
            can_publish=can_review,
            can_request_changes=rules.can_request_changes(user, postmortem),
            review_form=kwargs.get("review_form") or (RequestChangesForm() if can_review else None),
            publish_refusal=refusal,
            can_revise=rules.can_revise_postmortem(user, postmortem),
            changes_requested=status == PostmortemStatus.DRAFT
            and postmortem.changes_requested_at is not None,
            revisions=list(revisions_for(postmortem)),
            conflict=kwargs.get("conflict"),
            factor_errors=kwargs.get("factor_errors") or [],
            assessments=TimelineAssessment,
            statuses=PostmortemStatus,
            item_statuses=ActionItemStatus,
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Save the document; with ``then=submit_for_review`` (the editor's "Submit for review"
        button) submit it right after, in the same transaction, so no typed edit is left behind."""
        user = acting_user(request)
        postmortem = _postmortem(request, pk)
        if not rules.can_write_postmortems(user):
            raise PermissionDenied(REFUSALS["role"])
        submit = request.POST.get("then") == PostmortemAction.SUBMIT_FOR_REVIEW
        not_saved = PAGE["not_submitted" if submit else "not_saved"]
        choices = _Choices()
        form, formset = _document_forms(postmortem, choices, data=request.POST)
        if not (form.is_valid() and formset.is_valid()):
            messages.error(request, not_saved)
            return self.render_to_response(self.get_context_data(pk=pk, form=form, formset=formset))
        factors = formset.factors()
        try:
            with transaction.atomic():
                saved = services.postmortem_update(
                    postmortem=postmortem,
                    actor=user,
                    data={**form.service_data(), "contributing_factors": factors},
                    expected_version=_version(request),
                )
                if submit:
                    services.postmortem_submit_for_review(
                        postmortem=saved, actor=user, expected_version=saved.version
                    )
        except PreconditionFailed:
            # Show what changed instead of overwriting it; the user's text stays in the form.
            current = _postmortem(request, pk)
            conflict = _conflict(current, form, factors, choices.names)
            return self.render_to_response(
                self.get_context_data(pk=pk, form=form, formset=formset, conflict=conflict)
            )
        except ValidationError as error:
            problems = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            factor_errors = problems.pop("contributing_factors", [])
            for field, texts in problems.items():
                form.add_error(field if field in form.fields else None, texts)
            messages.error(request, not_saved)
            return self.render_to_response(
                self.get_context_data(pk=pk, form=form, formset=formset, factor_errors=factor_errors)
            )
        except DomainError as error:
            messages.error(request, error_text(error))
            return HttpResponseRedirect(reverse("postmortems:detail", args=[pk]))
        if not submit:
            done = PAGE["saved"]
        elif saved.version == postmortem.version:
            done = POSTMORTEM_DONE[PostmortemAction.SUBMIT_FOR_REVIEW]
        else:
            done = PAGE["saved_and_submitted"]
        messages.success(request, done.format(reference=postmortem.reference))
        return HttpResponseRedirect(reverse("postmortems:detail", args=[pk]))


@method_decorator(require_POST, name="dispatch")
class PostmortemTransitionView(RoleRequiredMixin, View):
    """Submit for review, request changes, publish, revise. Publishing and requesting changes
    follow the four-eyes rule of the access rules; the others need an author."""

    required_permissions = rules.PAGE_TRANSITION

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        user = acting_user(request)
        postmortem = _postmortem(request, pk)
        if action not in PostmortemAction.values:
            raise Http404("Unknown action.")
        if action in (PostmortemAction.SUBMIT_FOR_REVIEW, PostmortemAction.REVISE) and not (
            rules.can_write_postmortems(user)
        ):
            raise PermissionDenied(REFUSALS["role"])
        form = RequestChangesForm(request.POST) if action == PostmortemAction.REQUEST_CHANGES else None
        if form is not None and not form.is_valid():
            return _render_editor(request, pk, review_form=form)
        try:
            if form is not None:
                services.postmortem_request_changes(
                    postmortem=postmortem,
                    actor=user,
                    comment=form.cleaned_data["comment"],
                    expected_version=_version(request),
                )
            else:
                handler = {
                    PostmortemAction.SUBMIT_FOR_REVIEW: services.postmortem_submit_for_review,
                    PostmortemAction.PUBLISH: services.postmortem_publish,
                    PostmortemAction.REVISE: services.postmortem_revise,
                }[PostmortemAction(action)]
                handler(
                    postmortem=postmortem,
                    actor=user,
                    note=request.POST.get("note", "")[:5000],
                    expected_version=_version(request),
                )
        except services.QualityGateFailed as failure:
            problems = " ".join(finding.message for finding in failure.findings)
            messages.error(request, f"{failure} {problems}")
        except PreconditionFailed:
            messages.error(request, PAGE["stale_postmortem"].format(reference=postmortem.reference))
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            if form is None:
                messages.error(request, error_text(error))
            else:
                apply_errors(form, error)
                return _render_editor(request, pk, review_form=form)
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                POSTMORTEM_DONE[action].format(
                    reference=postmortem.reference,
                    revision=postmortem.revision,
                    owner=display_name(postmortem.owner),
                ),
            )
        return HttpResponseRedirect(reverse("postmortems:detail", args=[pk]))


@method_decorator(require_POST, name="dispatch")
class TimelineEntryView(RoleRequiredMixin, View):
    """Star, mark as fact or hypothesis, or annotate one entry of the post-mortem's timeline."""

    required_permissions = rules.PAGE_TIMELINE_MARKS

    def post(self, request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
        postmortem = postmortems_visible_to(request.user).filter(pk=pk).first()
        if postmortem is None:
            raise Http404("No such post-mortem.")
        entry = PostmortemTimelineEntry.objects.filter(postmortem=postmortem, pk=entry_id).first()
        if entry is None:
            raise Http404("No such timeline entry.")
        data: dict[str, Any] = {}
        if "is_starred" in request.POST:
            data["is_starred"] = request.POST["is_starred"] == "1"
        if request.POST.get("assessment") in TimelineAssessment.values:
            data["assessment"] = request.POST["assessment"]
        if "annotation" in request.POST:
            data["annotation"] = request.POST["annotation"][:5000]
        read_version = _version(request)
        new_version = None
        error = ""
        try:
            try:
                services.timeline_entry_update(
                    entry=entry, actor=acting_user(request), data=data, expected_version=read_version
                )
                # Nobody else wrote in between: the open editor may keep saving on top of this.
                new_version = Postmortem.objects.values_list("version", flat=True).get(pk=pk)
            except PreconditionFailed:
                # Someone else saved meanwhile: apply the mark anyway (it conflicts with nothing), and
                # leave the editor's version alone so its next save shows what they changed.
                services.timeline_entry_update(entry=entry, actor=acting_user(request), data=data)
        except (DomainError, ValidationError) as problem:
            error = error_text(problem)
        if not request.htmx:  # type: ignore[attr-defined]
            if error:
                messages.error(request, error)
            return HttpResponseRedirect(reverse("postmortems:detail", args=[pk]) + f"#entry-{entry_id}")
        fresh = PostmortemTimelineEntry.objects.select_related("author", "incident").get(pk=entry.pk)
        return render(
            request,
            "postmortems/_timeline_entry.html",
            {
                "postmortem": postmortem,
                "entry": fresh,
                "editable": True,
                "several_incidents": postmortem.incident_links.count() > 1,
                "assessments": TimelineAssessment,
                "reading": False,
                "entry_error": error,
                "new_version": new_version,
            },
        )


@method_decorator(require_POST, name="dispatch")
class ActionItemCreateView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_ADD_ACTION_ITEM

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        postmortem = _postmortem(request, pk)
        form = ActionItemForm(request.POST, owners=list(item_owners()), prefix="item")
        created = None
        if form.is_valid():
            try:
                created = services.action_item_create(
                    actor=acting_user(request), postmortem=postmortem, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            except DomainError as error:
                form.add_error(None, error_text(error))
        if not request.htmx:  # type: ignore[attr-defined]
            if created is None:
                return _render_editor(request, pk, item_form=form)
            messages.success(request, PAGE["item_added"].format(title=created.title))
            return HttpResponseRedirect(reverse("postmortems:detail", args=[pk]) + "#action-items")
        view = PostmortemDetailView()
        view.setup(request, pk=pk)
        context = view.get_context_data(pk=pk, item_form=None if created else form)
        context["added"] = created
        return render(request, "postmortems/_action_items_swap.html", context)


def _render_editor(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
    """The editor page as a GET would show it, with the given (bound) forms."""
    view = PostmortemDetailView()
    view.setup(request, pk=pk)
    return view.render_to_response(view.get_context_data(pk=pk, **kwargs))
