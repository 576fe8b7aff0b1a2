"""Every sentence the compliance app shows or writes about a step, in one reviewed table.

Pages (flash messages) and services (lines on the incident's timeline,
written at the time of the event with the person's display name so that
history reads right) take their words from here. Each entry is a full
sentence with ``str.format`` fields; people are named with
``portal.users.display_name``, never by username.
"""

from __future__ import annotations

from compliance.choices import ReportAction

#: After a report's step succeeded (flash message on the report page).
REPORT_DONE: dict[str, str] = {
    ReportAction.SUBMIT_FOR_REVIEW: "Report sent for review: a second person approves it.",
    ReportAction.REQUEST_CHANGES: "Report sent back to {author} with your comment.",
    ReportAction.APPROVE: "Report approved.",
    ReportAction.WITHDRAW: "Approval withdrawn: the report is back in review.",
    ReportAction.SUBMIT: "Submission recorded: the report and its PDF are frozen.",
}

#: Lines a report's step writes on the incident's timeline.
REPORT_TIMELINE: dict[str, str] = {
    ReportAction.SUBMIT_FOR_REVIEW: "Report for {code} sent for review by {actor}.",
    ReportAction.REQUEST_CHANGES: "{actor} asked for changes to the report for {code}.",
    ReportAction.APPROVE: "Report for {code} approved by {actor}.",
    ReportAction.WITHDRAW: "{actor} withdrew the approval of the report for {code}.",
    ReportAction.SUBMIT: (
        "Report for {code} submitted to {recipient} by {actor} (reference {reference}; PDF SHA-256 {sha}…)."
    ),
}

#: Everything else the pages say.
PAGE: dict[str, str] = {
    "rationale_missing": "Say why: a rationale is required.",
    "not_required": "{code} marked not required.",
    "reopened": "{code} reopened.",
    "assessment_first": "Save the assessment first.",
    "decision_recorded": "Decision recorded; the obligations were recomputed.",
    "assessment_saved": "Assessment saved; the obligations were recomputed.",
    "report_saved": "Report saved.",
    "feed_rotated": "New calendar feed URL created; the previous one no longer works.",
}
