"""Regulator reports: drafted from the incident, reviewed by a second person,
approved, submitted (frozen as a PDF) and amended."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compliance.choices import ObligationStatus, ReportStatus
from compliance.facts import current_decisions
from compliance.models import Assessment, Obligation, RegulatorReport
from compliance.report_fields import prefill, report_field_cap_errors
from compliance.services.common import step_time as _step_time
from incidents.choices import TimelineKind
from incidents.services import timeline_record
from portal.audit import audit_record
from portal.errors import ConflictError, PreconditionFailed
from portal.users import User


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for key, value in fields.items():
        if not isinstance(key, str) or not key.isidentifier() or len(key) > 60:
            raise ValidationError({"fields": f"{key!r} is not a field key."})
        if value is None:
            value = ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError({"fields": f"{key}: the answer must be text."})
        text = str(value)
        if "\x00" in text:
            raise ValidationError({"fields": f"{key}: NUL characters are not allowed."})
        if len(text) > 20_000:
            raise ValidationError({"fields": f"{key}: the answer is longer than 20,000 characters."})
        cleaned[key] = text
    return cleaned


@transaction.atomic
def report_create(
    *,
    obligation: Obligation,
    actor: User,
    supersedes: RegulatorReport | None = None,
    at: datetime | None = None,
) -> RegulatorReport:
    """Draft a report pre-filled from the incident, its assessment and timeline.

    ``at`` back-dates the draft when records of earlier incidents are entered.
    """
    at = _step_time(at, earliest=None)
    obligation = (
        Obligation.objects.select_for_update().select_related("incident", "entity").get(pk=obligation.pk)
    )
    incident = obligation.incident
    if incident.is_exercise:
        raise ConflictError("Exercises have no regulator reports.")
    if supersedes is not None:
        supersedes = RegulatorReport.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.status != ReportStatus.SUBMITTED:
            raise ConflictError("Only a submitted report can be amended; edit the draft instead.")
        if supersedes.obligation_id != obligation.pk:
            raise ValidationError({"supersedes": "An amendment belongs to the same obligation."})
        if hasattr(supersedes, "superseded_by"):
            raise ConflictError("This report was already amended; amend the latest version.")
        fields = dict(supersedes.fields)
    else:
        if obligation.status in (ObligationStatus.WITHDRAWN, ObligationStatus.NOT_REQUIRED):
            raise ConflictError(f"{obligation.code} is {obligation.status}: there is nothing to report.")
        if obligation.reports.exclude(status=ReportStatus.SUBMITTED).exists():
            raise ConflictError(f"{obligation.code} already has a report in progress.")
        if obligation.reports.filter(status=ReportStatus.SUBMITTED).exists():
            raise ConflictError(f"{obligation.code} was reported already; file an amendment instead.")
        assessment = Assessment.objects.filter(incident=incident).select_related("entity").first()
        # Only lines someone marked "for regulators" may seed answers: internal notes stay internal.
        notes = list(
            incident.timeline.filter(
                kind__in=[TimelineKind.NOTE, TimelineKind.STATUS_CHANGE], for_regulators=True
            )
            .order_by("-occurred_at")
            .values_list("text", flat=True)[:10]
        )[::-1]
        decisions = current_decisions(assessment) if assessment is not None else {}
        known = prefill(incident=incident, assessment=assessment, notes=notes, decisions=decisions)
        fields = {key: known.get(key, "") for key in obligation.required_fields}
    report = RegulatorReport.objects.create(
        obligation=obligation,
        incident=incident,
        author=actor,
        fields=fields,
        supersedes=supersedes,
        created_at=at,
        updated_at=at,
    )
    text = (
        f"Report for {obligation.code} drafted"
        + (f" (amends report #{supersedes.pk})" if supersedes else "")
        + "."
    )
    timeline_record(
        incident,
        kind=TimelineKind.REPORT,
        text=text,
        actor=actor,
        data={"report": report.pk, "code": obligation.code},
        occurred_at=at,
    )
    audit_record(
        action="report.created",
        actor=actor,
        obj=report,
        changes={"obligation": obligation.code, "supersedes": supersedes.pk if supersedes else None},
    )
    return report


@transaction.atomic
def report_update(
    *,
    report: RegulatorReport,
    actor: User,
    fields: Mapping[str, Any],
    expected_version: int,
    include_timeline: bool | None = None,
) -> RegulatorReport:
    """Save answers with a conditional write: only a draft at the version the writer read changes.

    ``include_timeline`` (None leaves it) prints the timeline lines marked for regulators."""
    cleaned = _clean_fields(fields)
    if include_timeline is not None and not isinstance(include_timeline, bool):
        raise ValidationError({"include_timeline": "Choose true or false."})
    current = RegulatorReport.objects.select_for_update().get(pk=report.pk)
    if current.status == ReportStatus.SUBMITTED:
        raise ConflictError("A submitted report is frozen; file an amendment instead.")
    if current.status != ReportStatus.DRAFT:
        raise ConflictError(
            f"The report is {current.status}; only drafts can be edited (request changes first)."
        )
    caps = report_field_cap_errors(current, cleaned)
    if caps:
        raise ValidationError({"fields": list(caps.values())})  # each message names its field
    merged = {**current.fields, **cleaned}
    timeline = current.include_timeline if include_timeline is None else include_timeline
    changed = RegulatorReport.objects.filter(
        pk=report.pk, version=expected_version, status=ReportStatus.DRAFT
    ).update(fields=merged, include_timeline=timeline, version=F("version") + 1, updated_at=timezone.now())
    if changed == 0:
        raise PreconditionFailed(
            f"The report is at version {current.version}, not {expected_version}: someone saved it meanwhile."
        )
    audit_record(
        action="report.updated",
        actor=actor,
        obj=current,
        changes={
            **{
                key: [current.fields.get(key, ""), value]
                for key, value in cleaned.items()
                if current.fields.get(key, "") != value
            },
            **(
                {"include_timeline": [current.include_timeline, timeline]}
                if timeline != current.include_timeline
                else {}
            ),
        },
    )
    return RegulatorReport.objects.get(pk=report.pk)


@transaction.atomic
def report_delete(*, report: RegulatorReport, actor: User) -> None:
    """Discard a draft (submitted and approved reports stay)."""
    report = (
        RegulatorReport.objects.select_for_update().select_related("obligation", "incident").get(pk=report.pk)
    )
    if report.status != ReportStatus.DRAFT:
        raise ConflictError(f"Only drafts can be deleted; this report is {report.status}.")
    audit_record(action="report.deleted", actor=actor, obj=report, changes={"fields": report.fields})
    timeline_record(
        report.incident,
        kind=TimelineKind.REPORT,
        text=f"Draft report for {report.obligation.code} discarded.",
        actor=actor,
        data={"code": report.obligation.code},
    )
    report.delete()
