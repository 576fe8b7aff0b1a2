"""The steps of a regulator report after drafting: handed for review, sent back or approved by
a second person, the approval withdrawn, and the submission, which freezes the content, its
digest and the PDF exactly as sent. One service per step, sharing ``_step_begin`` (lock,
status, time) and ``_step_finish`` (save, timeline line, audit event)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from compliance import events
from compliance.choices import REPORT_TRANSITIONS, ObligationStatus, ReportAction
from compliance.documents import regulator_timeline, render_report_pdf, timeline_drift
from compliance.messages import REPORT_TIMELINE
from compliance.models import Obligation, RegulatorReport
from compliance.permissions import review_refusal
from compliance.report_fields import report_missing_fields
from compliance.services.common import CLOCK_SKEW as _CLOCK_SKEW
from compliance.services.common import step_time as _step_time
from compliance.services.obligations import obligations_refresh
from incidents.choices import TimelineKind
from incidents.services import timeline_record
from portal.audit import audit_record
from portal.errors import ConflictError, TransitionNotAllowed
from portal.storage import files_follow_transaction
from portal.users import User, display_name


def _content_digest(report: RegulatorReport) -> str:
    assert report.submitted_at is not None
    content = {
        "report": report.pk,
        "obligation": report.obligation.code,
        "incident": report.incident.reference,
        "fields": {key: report.fields.get(key, "") for key in sorted(report.fields)},
        "author": report.author.get_username(),
        "approver": report.approver.get_username() if report.approver else None,
        "approved_at": report.approved_at.isoformat() if report.approved_at else None,
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
        "submission_reference": report.submission_reference,
        "supersedes": report.supersedes_id,
        # What the approver saw in the preview: the choice and the very lines printed.
        "include_timeline": report.include_timeline,
        "timeline": regulator_timeline(report, moment=report.submitted_at),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class SubmissionInput:
    reference: str
    submitted_at: datetime | None = None


#: The stamp each step may not come before (steps never go back in time).
_PREVIOUS_STEP: dict[str, str] = {
    ReportAction.SUBMIT_FOR_REVIEW: "created_at",
    ReportAction.REQUEST_CHANGES: "submitted_for_review_at",
    ReportAction.APPROVE: "submitted_for_review_at",
    ReportAction.WITHDRAW: "approved_at",
    ReportAction.SUBMIT: "approved_at",
}


def _step_begin(
    report: RegulatorReport, action: str, at: datetime | None
) -> tuple[RegulatorReport, datetime]:
    """Lock the report, check that its status allows ``action``, and settle the step's time."""
    source, _target = REPORT_TRANSITIONS[action]
    report = (
        RegulatorReport.objects.select_for_update()
        .select_related("obligation", "incident", "author", "obligation__entity")
        .get(pk=report.pk)
    )
    if report.status != source:
        raise TransitionNotAllowed(
            f"Cannot {ReportAction(action).label.lower()}: the report is {report.status}, this needs {source}."
        )
    return report, _step_time(at, earliest=getattr(report, _PREVIOUS_STEP[action]))


def _step_finish(
    report: RegulatorReport,
    *,
    action: str,
    actor: User,
    now: datetime,
    comment: str,
    update_fields: list[str],
    occurred_at: datetime | None = None,
    comment_on_timeline: bool = True,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Stamp the new status, save what the step changed, and write its timeline line and audit event."""
    source, target = REPORT_TRANSITIONS[action]
    report.status = target
    report.updated_at = now
    report.save(update_fields=["status", "updated_at", *update_fields])
    text = REPORT_TIMELINE[action].format(
        code=report.obligation.code,
        actor=display_name(actor),
        recipient=report.obligation.recipient,
        reference=report.submission_reference,
        sha=report.pdf_sha256[:16],
    )
    if comment_on_timeline and comment.strip():
        text += f" {comment.strip()}"
    timeline_record(
        report.incident,
        kind=TimelineKind.REPORT,
        text=text,
        actor=actor,
        data={"report": report.pk, "action": action, "status": target},
        occurred_at=occurred_at or now,
    )
    audit_record(
        action=f"report.{action}",
        actor=actor,
        obj=report,
        changes={"status": [source, target], "comment": comment.strip(), **(changes or {})},
    )


@files_follow_transaction()
@transaction.atomic
def report_submit_for_review(
    *, report: RegulatorReport, actor: User, comment: str = "", at: datetime | None = None
) -> RegulatorReport:
    """The author hands a complete draft to a second person."""
    report, now = _step_begin(report, ReportAction.SUBMIT_FOR_REVIEW, at)
    missing = report_missing_fields(report, at=now)
    if missing:
        raise ConflictError(f"Answer the required fields first: {', '.join(missing)}.")
    report.submitted_for_review_at = now
    _step_finish(
        report,
        action=ReportAction.SUBMIT_FOR_REVIEW,
        actor=actor,
        now=now,
        comment=comment,
        update_fields=["submitted_for_review_at"],
    )
    return report


def _review(report: RegulatorReport, actor: User, comment: str, now: datetime) -> list[str]:
    """Record who reviewed (never the author: the four-eyes rule) and what they said."""
    refusal = review_refusal(actor, report)
    if refusal is not None:
        raise PermissionDenied(refusal)
    report.reviewer, report.reviewed_at, report.review_comment = actor, now, comment.strip()
    return ["reviewer", "reviewed_at", "review_comment"]


@files_follow_transaction()
@transaction.atomic
def report_request_changes(
    *, report: RegulatorReport, actor: User, comment: str = "", at: datetime | None = None
) -> RegulatorReport:
    """A second person sends the report back to draft, saying what needs to change."""
    report, now = _step_begin(report, ReportAction.REQUEST_CHANGES, at)
    update_fields = _review(report, actor, comment, now)
    if not comment.strip():
        raise ValidationError({"comment": "Say what needs to change."})
    _step_finish(
        report,
        action=ReportAction.REQUEST_CHANGES,
        actor=actor,
        now=now,
        comment=comment,
        update_fields=update_fields,
    )
    return report


@files_follow_transaction()
@transaction.atomic
def report_approve(
    *, report: RegulatorReport, actor: User, comment: str = "", at: datetime | None = None
) -> RegulatorReport:
    """A second person approves the report for submission."""
    report, now = _step_begin(report, ReportAction.APPROVE, at)
    update_fields = _review(report, actor, comment, now)
    report.approver, report.approved_at = actor, now
    # What the approver saw: submission prints these lines and no others.
    report.approved_timeline = regulator_timeline(report, moment=now)
    _step_finish(
        report,
        action=ReportAction.APPROVE,
        actor=actor,
        now=now,
        comment=comment,
        update_fields=[*update_fields, "approver", "approved_at", "approved_timeline"],
    )
    return report


@files_follow_transaction()
@transaction.atomic
def report_withdraw(
    *, report: RegulatorReport, actor: User, comment: str = "", at: datetime | None = None
) -> RegulatorReport:
    """Take back an approval before submission: the report is a draft again."""
    report, now = _step_begin(report, ReportAction.WITHDRAW, at)
    report.approver, report.approved_at, report.approved_timeline = None, None, None
    report.review_comment = comment.strip()
    _step_finish(
        report,
        action=ReportAction.WITHDRAW,
        actor=actor,
        now=now,
        comment=comment,
        update_fields=["approver", "approved_at", "approved_timeline", "review_comment"],
    )
    return report


def _stamp_submission(
    report: RegulatorReport, actor: User, submission: SubmissionInput | None, now: datetime
) -> list[str]:
    """Check the submission's reference and time, then freeze the content: its digest and the PDF."""
    if submission is None or not submission.reference.strip():
        raise ValidationError(
            {"submission_reference": "Record the regulator's reference (or the channel used)."}
        )
    submitted_at = submission.submitted_at or now
    if submitted_at > timezone.now() + _CLOCK_SKEW:
        raise ValidationError({"submitted_at": "This time is in the future."})
    if report.approved_at and submitted_at < report.approved_at - _CLOCK_SKEW:
        raise ValidationError({"submitted_at": "A report cannot be submitted before it was approved."})
    report.submitted_at = submitted_at
    missing = report_missing_fields(report)
    if missing:
        raise ConflictError(f"Answer the required fields first: {', '.join(missing)}.")
    drift = timeline_drift(report, moment=submitted_at)
    if drift:
        raise ConflictError(
            f"The timeline lines marked for regulators changed since the approval ({drift}): "
            "withdraw the approval, check the preview and approve again before submitting."
        )
    report.submitted_by = actor
    report.submission_reference = submission.reference.strip()
    report.content_sha256 = _content_digest(report)
    pdf_bytes = render_report_pdf(report, draft=False)
    report.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
    report.pdf_size = len(pdf_bytes)
    report.pdf.save("report.pdf", ContentFile(pdf_bytes), save=False)
    return [
        "submitted_at",
        "submitted_by",
        "submission_reference",
        "content_sha256",
        "pdf",
        "pdf_sha256",
        "pdf_size",
    ]


def _fulfil_obligation(report: RegulatorReport, actor: User) -> None:
    obligation = Obligation.objects.select_for_update().get(pk=report.obligation_id)
    if obligation.status == ObligationStatus.FULFILLED:
        return
    obligation.status = ObligationStatus.FULFILLED
    obligation.status_reason = f"Report #{report.pk} submitted ({report.submission_reference})."
    obligation.decided_by, obligation.decided_at = actor, report.submitted_at
    obligation.save(update_fields=["status", "status_reason", "decided_by", "decided_at", "updated_at"])
    audit_record(action="obligation.fulfilled", actor=actor, obj=obligation, changes={"report": report.pk})


@files_follow_transaction()  # a submission that rolls back leaves no PDF behind
@transaction.atomic
def report_submit(
    *,
    report: RegulatorReport,
    actor: User,
    submission: SubmissionInput | None,
    comment: str = "",
    at: datetime | None = None,
) -> RegulatorReport:
    """Record the submission to the regulator: the report and its PDF are frozen, the obligation
    is fulfilled, and follow-up deadlines count from the submission."""
    report, now = _step_begin(report, ReportAction.SUBMIT, at)
    update_fields = _stamp_submission(report, actor, submission, now)
    _step_finish(
        report,
        action=ReportAction.SUBMIT,
        actor=actor,
        now=now,
        comment=comment,
        update_fields=update_fields,
        occurred_at=report.submitted_at,
        comment_on_timeline=False,
        changes={
            "submission_reference": report.submission_reference,
            "pdf_sha256": report.pdf_sha256,
            "submitted_at": report.submitted_at,
        },
    )
    _fulfil_obligation(report, actor)
    # Follow-up deadlines (NIS2 final, DORA intermediate/final, LGPD complement,
    # California AG) count from the actual submission time.
    obligations_refresh(
        incident=report.incident, actor=actor, reason=f"report for {report.obligation.code} submitted"
    )
    events.report_submitted.publish(report=report, actor=actor)
    return report


_REVIEW_STEPS: dict[str, Callable[..., RegulatorReport]] = {
    ReportAction.SUBMIT_FOR_REVIEW: report_submit_for_review,
    ReportAction.REQUEST_CHANGES: report_request_changes,
    ReportAction.APPROVE: report_approve,
    ReportAction.WITHDRAW: report_withdraw,
}


def report_transition(
    *,
    report: RegulatorReport,
    action: str,
    actor: User,
    comment: str = "",
    submission: SubmissionInput | None = None,
    at: datetime | None = None,
) -> RegulatorReport:
    """Move a report through draft -> in_review -> approved -> submitted (and back where allowed).

    One entry point for the pages and the API, which name the step; each step
    is its own service above (``report_approve`` and so on), in its own
    transaction. ``at`` back-dates the step when records of earlier incidents
    are entered; steps never go back in time.
    """
    if action not in REPORT_TRANSITIONS:
        raise TransitionNotAllowed(f"Unknown action {action!r}.")
    if action == ReportAction.SUBMIT:
        return report_submit(report=report, actor=actor, submission=submission, comment=comment, at=at)
    return _REVIEW_STEPS[action](report=report, actor=actor, comment=comment, at=at)
