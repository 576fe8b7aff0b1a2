"""Shared pieces of the web UI: access checks, errors on forms, pagination, month labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import timezone

PAGE_SIZE = 25


class RoleRequiredMixin(LoginRequiredMixin):
    """Signed in and holding every permission in ``required_permissions``
    (or, per HTTP method, in ``required_permissions_by_method``)."""

    required_permissions: Iterable[str] = ()
    required_permissions_by_method: dict[str, Iterable[str]] = {}
    section = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            needed = [
                *self.required_permissions,
                *self.required_permissions_by_method.get(request.method or "", ()),
            ]
            if not request.user.has_perms(needed):
                raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_access(self) -> Mapping[str, bool]:
        """What the signed-in user may do on this page, for its template as ``can.<name>``.

        Pages return the answers of their app's ``permissions.py`` predicates
        (the same functions the services and the API call), so a template
        never offers a button that the service would refuse.
        """
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["section"] = self.section
        context.setdefault("can", self.get_access())
        return context


def error_text(error: Exception) -> str:
    """One line for a flash message: a validation error's messages, or a domain error's text."""
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


def apply_errors(form: forms.BaseForm, error: Exception, aliases: dict[str, str] | None = None) -> None:
    """Show a service's error on the form: each field's problems next to it, the rest on top.

    ``aliases`` maps a service's field name to the form field that shows it.
    The form keeps what the user typed, so nothing has to be entered again.
    """
    if not isinstance(error, ValidationError):
        form.add_error(None, str(error))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, problems in error.message_dict.items():
        name = (aliases or {}).get(field, field)
        form.add_error(name if name in form.fields else None, problems)


def paginate(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Page:
    number = request.GET.get("page", "1")
    paginator = Paginator(items, size)
    return paginator.get_page(number if number.isdigit() and len(number) < 7 else 1)


def month_labels(since: date, count: int) -> list[str]:
    labels = []
    year, month = since.year, since.month
    for _ in range(count):
        labels.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return labels


def twelve_months_ago() -> datetime:
    now = timezone.localtime()
    year, month = (now.year - 1, now.month + 1) if now.month < 12 else (now.year, 1)
    return now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
