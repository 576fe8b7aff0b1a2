"""Regulator report documents: the PDF sent to the authority."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from compliance.choices import ReportStatus
from compliance.models import CompetentAuthority, CustomRegime, RegulatorReport
from compliance.report_fields import field_info, report_required_fields
from portal.audit import audit_record
from portal.errors import ConflictError
from portal.pdf import render_pdf
from portal.timezones import zoned_time
from portal.users import User, display_name

TIMELINE_EXCERPT_LIMIT = 200


@dataclass(frozen=True)
class FieldRow:
    key: str
    label: str
    guidance: str
    answer: str
    required: bool


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return zoned_time(value, zone.key) if value else "-"


def regulator_timeline(report: RegulatorReport, *, moment: datetime) -> list[dict[str, str]]:
    """The timeline lines a report prints: none unless the officer included the
    timeline, then only events someone marked "for regulators", named by full name.

    Part of the frozen content (and its hash): the preview shows exactly these lines."""
    if not report.include_timeline:
        return []
    zone = ZoneInfo(report.obligation.deadline_timezone or report.obligation.entity.timezone)
    events = list(
        report.incident.timeline.filter(occurred_at__lte=moment, for_regulators=True)
        .select_related("author")
        .order_by("-occurred_at", "-id")[:TIMELINE_EXCERPT_LIMIT]
    )[::-1]
    return [
        {
            "when": _local(event.occurred_at, zone),
            "kind": event.get_kind_display(),
            "text": event.text,
            "author": display_name(event.author, "system"),
        }
        for event in events
    ]


def timeline_drift(report: RegulatorReport, *, moment: datetime) -> str:
    """How the lines the report would print at ``moment`` differ from those its approver saw,
    in words ("2 added, 1 removed or changed"); empty when they are the same, or when the
    approval predates the kept snapshot."""
    if report.approved_timeline is None:
        return ""
    seen = [tuple(sorted(line.items())) for line in report.approved_timeline]
    now = [tuple(sorted(line.items())) for line in regulator_timeline(report, moment=moment)]
    if seen == now:
        return ""
    added = sum(1 for line in now if line not in seen)
    gone = sum(1 for line in seen if line not in now)
    parts = [f"{added} added"] if added else []
    parts += [f"{gone} removed or changed"] if gone else []
    return ", ".join(parts) or "reordered"


def regime_name(code: str) -> str:
    """The regime's name in words, from the catalogue (custom regimes by their name)."""
    from compliance.regimes.catalogue import REGIMES

    for regime in REGIMES:
        if regime.code == code:
            return regime.name
    custom = CustomRegime.objects.filter(code=code).values_list("name", flat=True).first()
    return custom or code


def report_context(report: RegulatorReport, *, draft: bool) -> dict[str, Any]:
    """What the PDF shows: for the submitted document only what the authority
    receives (no guidance, usernames, other obligations or internal analysis).
    The draft preview is the same document plus the DRAFT mark and the guidance."""
    obligation = report.obligation
    entity = obligation.entity
    zone = ZoneInfo(obligation.deadline_timezone or entity.timezone)
    required = report_required_fields(report)
    keys = required + [key for key in report.fields if key not in required]
    rows = [
        FieldRow(
            key=key,
            label=field_info(key).label,
            guidance=field_info(key).guidance if draft else "",
            answer=str(report.fields.get(key, "")),
            required=key in required,
        )
        for key in keys
    ]
    moment = report.submitted_at or timezone.now()
    events = regulator_timeline(report, moment=moment)
    authority = CompetentAuthority.objects.filter(entity=entity, regime=obligation.regime).first()
    authority_name = authority.name if authority else obligation.recipient
    return {
        "report": report,
        "obligation": obligation,
        "entity": entity,
        "incident": report.incident,
        "authority": authority,
        "cover_title": f"Notification to {authority_name}: {regime_name(obligation.regime)}, {obligation.basis}",
        "rows": rows,
        "events": events,
        "timeline_truncated": len(events) == TIMELINE_EXCERPT_LIMIT,
        "people": {
            "author": display_name(report.author),
            "reviewer": display_name(report.reviewer),
            "approver": display_name(report.approver),
            "submitted_by": display_name(report.submitted_by),
        },
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


@dataclass(frozen=True)
class ReportFile:
    """What "download the PDF" hands out, through the API or the report page."""

    content: bytes
    filename: str
    #: Of the stored bytes as sent; empty for a draft preview, which is made afresh.
    sha256: str


def report_pdf_file(report: RegulatorReport, *, actor: User) -> ReportFile:
    """A submitted report's PDF exactly as sent, checked against the digest recorded at
    submission; any other report a fresh preview marked DRAFT. The export is audited."""
    name = f"{report.incident.reference}-{report.obligation.code.replace('/', '-').replace(':', '-')}"
    if report.status == ReportStatus.SUBMITTED:
        with report.pdf.open("rb") as stored:
            content = stored.read()
        if hashlib.sha256(content).hexdigest() != report.pdf_sha256:
            # Never hand out, as "what was sent", bytes that are not what was sent.
            raise ConflictError(
                "The stored PDF of this report no longer matches the digest recorded when it was "
                "submitted; it is withheld. Ask an administrator to restore it from backup."
            )
        file = ReportFile(content, f"{name}.pdf", report.pdf_sha256)
    else:
        file = ReportFile(render_report_pdf(report, draft=True), f"{name}-DRAFT.pdf", "")
    audit_record(
        action="report.pdf_exported",
        actor=actor,
        obj=report,
        changes={"status": report.status, "stored": report.status == ReportStatus.SUBMITTED},
    )
    return file
