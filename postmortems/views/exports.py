"""The post-mortem page's downloads (PDF, Markdown): the same files as the API's, but a
failed render answers with a page that says what to do (``portal.pdf_pages``), not JSON."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views import View

from portal.downloads import attachment
from portal.ui import RoleRequiredMixin
from portal.users import acting_user
from postmortems import permissions as rules
from postmortems.exports import EXPORT_FORMATS, postmortem_export
from postmortems.views.base import _postmortem


class PostmortemExportView(RoleRequiredMixin, View):
    required_permissions = rules.POSTMORTEM_VIEWSET["pdf"]

    def get(self, request: HttpRequest, pk: int, export: str) -> HttpResponse:
        if export not in EXPORT_FORMATS:
            raise Http404("No such format.")
        file = postmortem_export(_postmortem(request, pk), export, actor=acting_user(request))
        return attachment(file.content, content_type=file.content_type, filename=file.filename)
