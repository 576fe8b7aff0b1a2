"""Moments that deserve an audit checkpoint of their own: a report sent to a regulator, a post-mortem
published. The checkpoint is written after the change commits, in its own transaction, so it can
never undo (or delay) the submission or the publication."""

from __future__ import annotations

from typing import Any

from compliance import events as compliance_events
from portal.checkpoints import checkpoint_after_commit
from postmortems import events as postmortem_events


def on_report_submitted(*, report: Any, actor: Any) -> None:
    checkpoint_after_commit(compliance_events.report_submitted.name)


def on_postmortem_published(*, postmortem: Any, actor: Any) -> None:
    checkpoint_after_commit(postmortem_events.postmortem_published.name)


def subscribe() -> None:
    compliance_events.report_submitted.subscribe(
        on_report_submitted, uid="evidence.checkpoint_report_submitted"
    )
    postmortem_events.postmortem_published.subscribe(
        on_postmortem_published, uid="evidence.checkpoint_postmortem_published"
    )
