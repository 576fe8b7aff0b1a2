"""Every write that matters on compliance records: one transaction each, with
its timeline entry and audit event, and statuses changed only here.

The package is split by record (assessments, obligations, reports); this
module re-exports the public names so ``from compliance import services`` and
``services.report_create(...)`` keep working.
"""

from compliance.report_fields import prefill, report_missing_fields, report_required_fields
from compliance.services.assessments import ASSESSMENT_FIELDS, assessment_save, decision_record
from compliance.services.entities import custom_regime_changed, custom_regime_delete, entity_changed
from compliance.services.obligations import (
    obligation_mark_not_required,
    obligation_reopen,
    obligations_refresh,
)
from compliance.services.report_steps import (
    SubmissionInput,
    report_approve,
    report_request_changes,
    report_submit,
    report_submit_for_review,
    report_transition,
    report_withdraw,
)
from compliance.services.reports import report_create, report_delete, report_update

__all__ = [
    "ASSESSMENT_FIELDS",
    "SubmissionInput",
    "assessment_save",
    "custom_regime_changed",
    "custom_regime_delete",
    "decision_record",
    "entity_changed",
    "obligation_mark_not_required",
    "obligation_reopen",
    "obligations_refresh",
    "prefill",
    "report_approve",
    "report_create",
    "report_delete",
    "report_missing_fields",
    "report_request_changes",
    "report_required_fields",
    "report_submit",
    "report_submit_for_review",
    "report_transition",
    "report_update",
    "report_withdraw",
]
