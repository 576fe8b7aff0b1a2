"""The evidence-pack form of the audit page: the same checks as ``manage.py evidence_pack``."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from compliance.models import LegalEntity
from evidence import validation
from evidence.pack import PackRequest


class EvidencePackForm(forms.Form):
    period_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    incidents = forms.CharField(
        label="Only these incidents",
        required=False,
        max_length=2000,
        help_text="e.g. INC-2026-0012 INC-2026-0015; empty: every incident of the period",
    )
    entity = forms.ModelChoiceField(
        label="Legal entity",
        queryset=LegalEntity.objects.filter(is_active=True),
        required=False,
        empty_label="All",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_incidents(self) -> list[str]:
        text = self.cleaned_data.get("incidents") or ""
        return sorted({ref for ref in re.split(r"[\s,;]+", text.strip()) if ref})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        checks = []
        if start and end:
            checks.append(lambda: validation.check_period(start, end))
        if data.get("incidents"):
            checks.append(lambda: validation.check_references(self.user, data["incidents"]))
        for check in checks:
            try:
                check()
            except validation.BadRequest as bad:
                field = {"to": "period_to", "from": "period_from"}.get(bad.field, bad.field)
                message = bad.message.replace("--to ", "").replace("--from ", "")
                self.add_error(field if field in self.fields else None, message)
        return data

    def pack_request(self) -> PackRequest:
        entity = self.cleaned_data.get("entity")
        return PackRequest(
            user=self.user,
            period_from=self.cleaned_data["period_from"],
            period_to=self.cleaned_data["period_to"],
            references=tuple(self.cleaned_data.get("incidents") or ()),
            entity_id=entity.pk if entity else None,
        )
