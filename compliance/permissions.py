"""Every access rule of the compliance app, in one place.

Three kinds of rule, read by the API (``portal.permissions.RolePermission``
checks the maps), the pages (``RoleRequiredMixin`` checks the page
requirements, templates get the predicates' answers as ``can.<name>``) and
the services (which call the same predicates before they change anything):

- the API maps: which role permissions each endpoint needs;
- the page requirements: the same for each page;
- the predicates ``can_*``: whether *this* user may do *this* to *this*
  obligation or report (the four-eyes rule of approving, the steps each
  status allows). Role-level ones (``can_write_reports(user)``) are what a
  page checks before it calls a service, so that a refused step is a 403
  there as it is in the API; object-level ones (``can_approve_report(user,
  report)``) also look at the record, and say whether the service would go
  ahead: they decide which buttons a page shows. Whether the user may see the
  record at all is the selectors' job (an outsider gets 404 before any
  predicate is asked).
"""

from __future__ import annotations

from collections.abc import Callable

from compliance.choices import ObligationStatus, ReportAction, ReportStatus
from compliance.models import Obligation, RegulatorReport
from portal.users import Viewer

VIEW_COMPLIANCE = ["compliance.view_compliance"]
VIEW_OBLIGATION = ["compliance.view_obligation"]
VIEW_ASSESSMENT = ["compliance.view_assessment"]
VIEW_REPORT = ["compliance.view_regulatorreport"]
EDIT_ASSESSMENT = ["compliance.add_assessment", "compliance.change_assessment"]
DECIDE_OBLIGATION = [*VIEW_OBLIGATION, "compliance.change_obligation"]
ADD_REPORT = [*VIEW_OBLIGATION, "compliance.add_regulatorreport"]
CHANGE_REPORT = [*VIEW_REPORT, "compliance.change_regulatorreport"]
APPROVE_REPORT = [*VIEW_REPORT, "compliance.approve_regulatorreport"]
SUBMIT_REPORT = [*VIEW_REPORT, "compliance.submit_regulatorreport"]

#: The four-eyes rule, word for word as the service refuses (and the API answers 403 with it).
AUTHOR_REVIEWS = "The author cannot review or approve their own report: a second person must."

# --- the API --------------------------------------------------------------------------------------------

ASSESS = {"POST": VIEW_COMPLIANCE}
DESIGNATIONS = {"GET": VIEW_COMPLIANCE}
DEADLINES_FEED = {"GET": VIEW_OBLIGATION}
FEED_ROTATE = {"POST": VIEW_OBLIGATION}
REGISTER = {"GET": VIEW_ASSESSMENT}

OBLIGATIONS = {
    "not_required": DECIDE_OBLIGATION,
    "reopen": DECIDE_OBLIGATION,
}
REPORTS = {
    "submit_for_review": CHANGE_REPORT,
    # Second persons only: the service applies the four-eyes rule (``review_refusal``).
    "request_changes": APPROVE_REPORT,
    "approve": APPROVE_REPORT,
    "withdraw": CHANGE_REPORT,
    "submit": SUBMIT_REPORT,
    "pdf": VIEW_REPORT,
    "create": ADD_REPORT,
    "destroy": CHANGE_REPORT,
}
ASSESSMENTS = {"create": [*VIEW_ASSESSMENT, "compliance.add_assessment"]}

# --- the pages ------------------------------------------------------------------------------------------

#: The obligations board and one obligation's page (drafting and deciding check their own predicate).
PAGE_BOARD = VIEW_OBLIGATION
PAGE_OBLIGATION = VIEW_OBLIGATION
#: An incident's assessment: readers see it, ``can_assess`` may save it.
PAGE_ASSESSMENT = VIEW_ASSESSMENT
#: The report editor: it becomes the reading view for those who may not edit; each step checks its own.
PAGE_REPORT = VIEW_REPORT
PAGE_FEED_ROTATE = VIEW_OBLIGATION

# --- who may do what: by role ---------------------------------------------------------------------------


def can_view_obligations(user: Viewer) -> bool:
    return user.has_perm("compliance.view_obligation")


def can_view_assessments(user: Viewer) -> bool:
    return user.has_perm("compliance.view_assessment")


def can_view_reports(user: Viewer) -> bool:
    return user.has_perm("compliance.view_regulatorreport")


def can_assess(user: Viewer) -> bool:
    """Compliance officers record an incident's assessment and its decisions."""
    return user.has_perms(EDIT_ASSESSMENT)


def can_decide_obligations(user: Viewer) -> bool:
    return user.has_perm("compliance.change_obligation")


def can_draft_reports(user: Viewer) -> bool:
    return user.has_perm("compliance.add_regulatorreport")


def can_write_reports(user: Viewer) -> bool:
    """Authors: they edit drafts, send them for review, withdraw approvals and discard drafts."""
    return user.has_perm("compliance.change_regulatorreport")


def can_review_reports(user: Viewer) -> bool:
    """Who may approve or send back a report, as long as it is not their own (``review_refusal``)."""
    return user.has_perm("compliance.approve_regulatorreport")


def can_submit_reports(user: Viewer) -> bool:
    return user.has_perm("compliance.submit_regulatorreport")


#: The role each step of a report needs (the page's 403; the API's is in ``REPORTS``).
REPORT_STEP_ROLES: dict[str, Callable[[Viewer], bool]] = {
    ReportAction.SUBMIT_FOR_REVIEW: can_write_reports,
    ReportAction.REQUEST_CHANGES: can_review_reports,
    ReportAction.APPROVE: can_review_reports,
    ReportAction.WITHDRAW: can_write_reports,
    ReportAction.SUBMIT: can_submit_reports,
}


def can_take_report_step(user: Viewer, action: str) -> bool:
    """Whether ``user``'s role allows ``action`` (one of ``ReportAction``) on reports at all."""
    role = REPORT_STEP_ROLES.get(action)
    return role is not None and role(user)


# --- who may do what: to this obligation or report --------------------------------------------------------


def can_draft_report(user: Viewer, obligation: Obligation) -> bool:
    """A first report of an obligation that still calls for one, as ``report_create`` allows it
    (amendments of a submitted report are drafted from the API with ``supersedes``)."""
    return (
        can_draft_reports(user)
        and obligation.status not in (ObligationStatus.WITHDRAWN, ObligationStatus.NOT_REQUIRED)
        and not obligation.incident.is_exercise
        and not obligation.reports.exists()
    )


def can_mark_not_required(user: Viewer, obligation: Obligation) -> bool:
    return obligation.status == ObligationStatus.OPEN and can_decide_obligations(user)


def can_reopen_obligation(user: Viewer, obligation: Obligation) -> bool:
    return obligation.status == ObligationStatus.NOT_REQUIRED and can_decide_obligations(user)


def can_edit_report(user: Viewer, report: RegulatorReport) -> bool:
    """Only drafts change; a report in review goes back to draft with "request changes" first."""
    return report.status == ReportStatus.DRAFT and can_write_reports(user)


def can_submit_for_review(user: Viewer, report: RegulatorReport) -> bool:
    """The same people and status as editing (the service also wants every required answer)."""
    return can_edit_report(user, report)


def can_delete_report(user: Viewer, report: RegulatorReport) -> bool:
    """A draft may be discarded; approved and submitted reports stay."""
    return can_edit_report(user, report)


def review_refusal(user: Viewer, report: RegulatorReport) -> str | None:
    """Why ``user`` may not approve ``report`` or send it back (the four-eyes rule), or None.

    Whether their role allows reviewing at all is ``can_review_reports``, and
    whether the report is in review is the lifecycle's question, not this one.
    """
    if report.author_id == user.pk:
        return AUTHOR_REVIEWS
    return None


def can_approve_report(user: Viewer, report: RegulatorReport) -> bool:
    """A second person approves a report in review: the author may not."""
    return (
        report.status == ReportStatus.IN_REVIEW
        and can_review_reports(user)
        and review_refusal(user, report) is None
    )


def can_request_changes(user: Viewer, report: RegulatorReport) -> bool:
    """The same people as for approving: a reviewer either approves or sends it back."""
    return can_approve_report(user, report)


def can_withdraw_approval(user: Viewer, report: RegulatorReport) -> bool:
    return report.status == ReportStatus.APPROVED and can_write_reports(user)


def can_submit_report(user: Viewer, report: RegulatorReport) -> bool:
    """Recording the submission to the regulator freezes an approved report."""
    return report.status == ReportStatus.APPROVED and can_submit_reports(user)
