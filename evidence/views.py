"""The evidence-pack panel of the audit page: request a pack, see when it is ready, download it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from evidence import permissions as rules
from evidence.choices import PackStatus
from evidence.forms import EvidencePackForm
from evidence.generation import pack_dir
from evidence.models import EvidencePack
from evidence.services import pack_request
from portal.audit import audit_record
from portal.ui import RoleRequiredMixin
from portal.users import acting_user

PANEL = "evidence/panels/audit_pack.html"
PENDING = (PackStatus.QUEUED, PackStatus.RUNNING)


def _packs(user: Any) -> list[EvidencePack]:
    return list(EvidencePack.objects.filter(requested_by=user)[:10])


def panel_context(request: HttpRequest, form: EvidencePackForm | None = None) -> dict[str, Any] | None:
    user = request.user
    if not rules.can_generate_evidence_pack(user):
        return None
    today = timezone.localdate()
    packs = _packs(user)
    return {
        "pack_form": form
        or EvidencePackForm(
            user=user, initial={"period_from": today.replace(month=1, day=1), "period_to": today}
        ),
        "packs": packs,
        "packs_pending": any(p.status in PENDING for p in packs),
        # The packs listed are the user's own: whether they may download them is one answer for all.
        "can": {"download_packs": rules.can_download_own_packs(user)},
    }


class PackRequestView(RoleRequiredMixin, View):
    """POST the form: a valid request is queued; errors show next to the fields (in the panel or a page)."""

    required_permissions = rules.PAGE_REQUEST_PACK

    def get(self, request: HttpRequest) -> HttpResponse:
        """The panel's list of packs, polled while one is being generated."""
        context = panel_context(request) or {}
        return render(request, PANEL, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = acting_user(request)
        form = EvidencePackForm(request.POST, user=user)
        if not form.is_valid():
            context = panel_context(request, form) or {}
            if request.htmx:  # type: ignore[attr-defined]
                return render(request, PANEL, context)  # htmx swaps 2xx only: the errors show in place
            return render(request, "evidence/request.html", {**context, "section": "audit"}, status=422)
        pack = pack_request(actor=user, request=form.pack_request())
        text = (
            f"Evidence pack {pack.period_from} to {pack.period_to} requested: "
            "it is generated in the background and listed below when it is ready."
        )
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, PANEL, {**(panel_context(request) or {}), "notice": text})
        messages.success(request, text)
        return HttpResponseRedirect(reverse("audit") + "#evidence-packs")


class PackDownloadView(RoleRequiredMixin, View):
    required_permissions = rules.PAGE_DOWNLOAD_PACK

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        pack = EvidencePack.objects.filter(pk=pk).first()
        if pack is None or not rules.can_download_evidence_pack(request.user, pack):
            raise Http404("No such evidence pack.")
        if pack.status != PackStatus.READY or not pack.file_name:
            raise PermissionDenied("This evidence pack is not ready.")
        path = pack_dir() / Path(pack.file_name).name
        if not path.is_file():
            raise Http404("The evidence pack file is no longer there.")
        audit_record(
            action="evidence_pack.downloaded", actor=request.user, obj=pack, changes={"sha256": pack.sha256}
        )
        response = FileResponse(
            path.open("rb"), as_attachment=True, filename=pack.download_name, content_type="application/zip"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
