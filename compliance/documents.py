"""Regulator report documents: the PDF sent to the authority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from compliance.models import CompetentAuthority, RegulatorReport
from compliance.report_fields import field_info, report_required_fields
from portal.pdf import render_pdf
from portal.timezones import zoned_time

TIMELINE_EXCERPT_LIMIT = 200


@dataclass(frozen=True)
class FieldRow:
    key: str
    label: str
    guidance: str
    answer: str
    required: bool


def _family(code: str) -> str:
    return code.split("/", 1)[0]


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return zoned_time(value, zone.key) if value else "-"


def report_context(report: RegulatorReport, *, draft: bool) -> dict[str, Any]:
    obligation = report.obligation
    entity = obligation.entity
    zone = ZoneInfo(obligation.deadline_timezone or entity.timezone)
    required = report_required_fields(report)
    keys = required + [key for key in report.fields if key not in required]
    rows = [
        FieldRow(
            key=key,
            label=field_info(key).label,
            guidance=field_info(key).guidance,
            answer=str(report.fields.get(key, "")),
            required=key in required,
        )
        for key in keys
    ]
    moment = report.submitted_at or timezone.now()
    events = list(
        report.incident.timeline.filter(occurred_at__lte=moment)
        .select_related("author")
        .order_by("-occurred_at", "-id")[:TIMELINE_EXCERPT_LIMIT]
    )[::-1]
    authority = CompetentAuthority.objects.filter(entity=entity, regime=obligation.regime).first()
    return {
        "report": report,
        "obligation": obligation,
        "entity": entity,
        "incident": report.incident,
        "family": _family(obligation.code),
        "authority": authority,
        "rows": rows,
        "events": [
            {
                "when": _local(event.occurred_at, zone),
                "kind": event.get_kind_display(),
                "text": event.text,
                "author": event.author.get_username() if event.author else "system",
            }
            for event in events
        ],
        "timeline_truncated": len(events) == TIMELINE_EXCERPT_LIMIT,
        "draft": draft,
        "due": _local(obligation.due_at, zone)
        if obligation.due_at
        else "Without undue delay (no fixed time)",
        "clock_start": _local(obligation.clock_start, zone),
        "submitted": _local(report.submitted_at, zone),
        "approved": _local(report.approved_at, zone),
        "reviewed": _local(report.reviewed_at, zone),
        "for_review": _local(report.submitted_for_review_at, zone),
        "created": _local(report.created_at, zone),
        "generated": _local(timezone.now(), zone),
        "content_sha256": report.content_sha256 or "draft - not yet fixed",
    }


def render_report_pdf(report: RegulatorReport, *, draft: bool) -> bytes:
    return render_pdf("pdf/regulator_report.html", report_context(report, draft=draft))
