"""The action item board and an item's own page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from portal.audit import AuditEvent
from portal.errors import DomainError, PreconditionFailed
from portal.ui import RoleRequiredMixin, apply_errors, error_text
from portal.users import acting_user
from postmortems import permissions as rules
from postmortems import services
from postmortems.choices import (
    ACTION_ITEM_OPEN_STATUSES,
    KINDS_NEEDING_VERIFICATION,
    ActionItemAction,
    ActionItemStatus,
    action_item_actions_available,
)
from postmortems.forms import (
    ACTION_ITEM_FORMS,
    ActionItemFilterForm,
    ActionItemForm,
    CompleteForm,
    WontDoForm,
    item_owners,
)
from postmortems.messages import ACTION_ITEM_DONE, PAGE, REFUSALS
from postmortems.models import ActionItem
from postmortems.selectors import action_item_list, overdue_condition
from postmortems.views.base import _item, _version

#: The board shows this many cards per column; filters narrow down the rest.
BOARD_COLUMN_SIZE = 50
BOARD_COLUMNS = [
    ActionItemStatus.OPEN,
    ActionItemStatus.IN_PROGRESS,
    ActionItemStatus.DONE,
    ActionItemStatus.WONT_DO,
]


#: How the audit trail's actions on an item read in its history.
HISTORY_LABELS = {
    "actionitem.created": "Created",
    "actionitem.updated": "Edited",
    f"actionitem.{ActionItemAction.START}": "Work started",
    f"actionitem.{ActionItemAction.COMPLETE}": "Marked done",
    f"actionitem.{ActionItemAction.WONT_DO}": "Closed as won't do",
    "actionitem.reminder_sent": "Reminder sent to the owner",
}


# --- action items -------------------------------------------------------------------------------------


class ActionItemBoardView(RoleRequiredMixin, TemplateView):
    template_name = "postmortems/action_items.html"
    section = "action_items"
    required_permissions = rules.PAGE_ACTION_ITEMS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = acting_user(self.request)
        owners = list(item_owners())
        form = ActionItemFilterForm(self.request.GET or None, owners=owners)
        items = action_item_list(user)
        if form.is_valid():
            data = form.cleaned_data
            if data["q"]:
                items = items.filter(title__icontains=data["q"].replace("\x00", "").strip())
            if data["owner"] == "me":
                items = items.filter(owner=user)
            elif data["owner"] == "none":
                items = items.filter(owner__isnull=True)
            elif data["owner"]:
                items = items.filter(owner_id=int(data["owner"]))
            if data["overdue"]:
                items = items.filter(overdue_condition(timezone.localdate()))
            if data["kind"]:
                items = items.filter(kind=data["kind"])
            if data["priority"]:
                items = items.filter(priority=data["priority"])
        counts = dict(items.order_by().values_list("status").annotate(n=Count("id")))
        columns = []
        for status in BOARD_COLUMNS:
            column = items.filter(status=status)
            if status in ACTION_ITEM_OPEN_STATUSES:
                column = column.order_by(F("due_date").asc(nulls_last=True), F("priority_rank"), "id")
            else:
                column = column.order_by(F("closed_at").desc(nulls_last=True), "-id")
            columns.append(
                {
                    "status": status,
                    "label": ActionItemStatus(status).label,
                    "items": list(column[:BOARD_COLUMN_SIZE]),
                    "count": counts.get(status, 0),
                }
            )
        context.update(
            form=form,
            item_statuses=ActionItemStatus,
            columns=columns,
            total=sum(counts.values()),
            overdue_total=items.filter(overdue_condition(timezone.localdate())).count(),
            column_size=BOARD_COLUMN_SIZE,
        )
        return context


class ActionItemDetailView(RoleRequiredMixin, TemplateView):
    template_name = "postmortems/action_item.html"
    section = "action_items"
    required_permissions = rules.PAGE_ACTION_ITEMS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = acting_user(self.request)
        item = _item(self.request, kwargs["pk"])
        can_move = rules.can_move_action_item(user, item)
        can_edit = rules.can_edit_action_item(user, item)
        forms: dict[str, Any] = kwargs.get("forms") or {}
        available = action_item_actions_available(item.status) if can_move else []
        edit_form = kwargs.get("edit_form")
        if can_edit and edit_form is None:
            edit_form = ActionItemForm(
                owners=list(item_owners()),
                prefix="item",
                initial={
                    "title": item.title,
                    "owner": str(item.owner_id or ""),
                    "due_date": item.due_date,
                    "priority": item.priority,
                    "kind": item.kind,
                    "description": item.description,
                    "external_url": item.external_url,
                },
            )
        context.update(
            item=item,
            item_statuses=ActionItemStatus,
            postmortem=item.postmortem,
            incidents=list(item.postmortem.incidents.order_by("detected_at", "id")),
            can_start=ActionItemAction.START in available,
            complete_form=forms.get(ActionItemAction.COMPLETE)
            or (
                CompleteForm(initial={"verification": item.verification})
                if ActionItemAction.COMPLETE in available
                else None
            ),
            wont_do_form=forms.get(ActionItemAction.WONT_DO)
            or (WontDoForm() if ActionItemAction.WONT_DO in available else None),
            needs_verification=item.kind in KINDS_NEEDING_VERIFICATION,
            edit_form=edit_form,
            edit_open=bool(kwargs.get("edit_form")),
            history=[
                (event, HISTORY_LABELS.get(event.action, event.action))
                for event in AuditEvent.objects.filter(
                    object_type=ActionItem._meta.label_lower, object_id=str(item.pk)
                ).order_by("-sequence")[:30]
            ],
        )
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = _item(request, pk)
        action = request.POST.get("action", "")
        if action == "edit":
            return self._edit(request, item)
        if action not in ACTION_ITEM_FORMS:
            raise Http404("Unknown action.")
        form = ACTION_ITEM_FORMS[action](request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(pk=pk, forms={action: form}))
        extra: dict[str, Any] = {}
        if action == ActionItemAction.COMPLETE:
            extra["verification"] = form.cleaned_data["verification"]
        if action == ActionItemAction.WONT_DO:
            extra["reason"] = form.cleaned_data["reason"]
        try:
            services.action_item_transition(
                item=item,
                action=action,
                actor=acting_user(request),
                expected_version=_version(request),
                **extra,
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.render_to_response(self.get_context_data(pk=pk, forms={action: form}))
        except PreconditionFailed:
            messages.error(request, PAGE["stale_item"])
        except PermissionDenied as error:
            messages.error(request, str(error))
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, ACTION_ITEM_DONE[action].format(title=item.title))
        return HttpResponseRedirect(reverse("action_items:detail", args=[pk]))

    def _edit(self, request: HttpRequest, item: ActionItem) -> HttpResponse:
        if not rules.can_write_action_items(acting_user(request)):
            raise PermissionDenied(REFUSALS["role"])
        form = ActionItemForm(request.POST, owners=list(item_owners()), prefix="item")
        if form.is_valid():
            try:
                services.action_item_update(
                    item=item,
                    actor=acting_user(request),
                    data=form.cleaned_data,
                    expected_version=_version(request),
                )
            except ValidationError as error:
                apply_errors(form, error)
            except PreconditionFailed:
                form.add_error(
                    None,
                    "Someone changed this item while you were editing; nothing was overwritten. "
                    "The details above are the current ones: compare, adjust and save again.",
                )
            except DomainError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, PAGE["item_saved"])
                return HttpResponseRedirect(reverse("action_items:detail", args=[item.pk]))
        return self.render_to_response(self.get_context_data(pk=item.pk, edit_form=form))
