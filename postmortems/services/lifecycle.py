"""The review steps of a post-mortem: submit for review, request changes, publish, revise.

Each step is the same skeleton (``base._begin``, ``_move``, ``_record``): lock
the row and check the version that was read, ask the access rules who may,
check the lifecycle, stamp and save exactly those fields, then write the
line on the incidents' timelines and the audit event in the same transaction.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.users import User, display_name
from postmortems import events
from postmortems.choices import PostmortemAction
from postmortems.exports import document_snapshot, postmortem_document, postmortem_markdown
from postmortems.messages import INCIDENT_TIMELINE, REFUSALS
from postmortems.models import Postmortem, PostmortemRevision
from postmortems.permissions import review_refusal
from postmortems.quality import postmortem_quality
from postmortems.selectors import postmortem_content
from postmortems.services.base import QualityGateFailed, _begin, _check_at, _move, _record

MAX_COMMENT = 5000


def publish_refusal(postmortem: Postmortem, actor: User) -> str | None:
    """Why ``actor`` may not publish ``postmortem`` (the four-eyes rule), or None."""
    return review_refusal(actor, postmortem)


@transaction.atomic
def postmortem_submit_for_review(
    *,
    postmortem: Postmortem,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Postmortem:
    """Ask for review. Quality errors do not block this step (reviewers can help fix
    them); they block publishing."""
    at = _check_at(at)
    postmortem, target = _begin(
        postmortem, PostmortemAction.SUBMIT_FOR_REVIEW, expected_version=expected_version
    )
    old = _move(postmortem, target, submitted_at=at, submitted_by=actor)
    quality = postmortem_quality(postmortem_content(postmortem.pk))
    _record(
        postmortem,
        audit="postmortem.submitted_for_review",
        actor=actor,
        changes={"status": [old, target], "note": note.strip(), "quality_errors": len(quality.errors)},
    )
    return postmortem


@transaction.atomic
def postmortem_request_changes(
    *,
    postmortem: Postmortem,
    actor: User,
    comment: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Postmortem:
    """A reviewer sends the post-mortem back to its author as a draft, saying what to change.

    The same people may do this as may publish (the four-eyes rule). The
    comment stays on the post-mortem for its author until it is published,
    and goes on the incidents' timelines with the reviewer's name.
    """
    at = _check_at(at)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": REFUSALS["comment_needed"]})
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": f"Keep the comment under {MAX_COMMENT} characters."})
    postmortem, target = _begin(
        postmortem,
        PostmortemAction.REQUEST_CHANGES,
        expected_version=expected_version,
        refusal=lambda locked: review_refusal(actor, locked),
    )
    old = _move(
        postmortem,
        target,
        changes_requested_at=at,
        changes_requested_by=actor,
        changes_requested_comment=comment,
    )
    _record(
        postmortem,
        audit="postmortem.changes_requested",
        actor=actor,
        changes={"status": [old, target], "comment": comment},
        timeline=INCIDENT_TIMELINE["changes_requested"].format(
            actor=display_name(actor), reference=postmortem.reference, comment=comment
        ),
        timeline_action="changes_requested",
        at=at,
    )
    return postmortem


@transaction.atomic
def postmortem_publish(
    *,
    postmortem: Postmortem,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Postmortem:
    """Publish after review, by someone other than the owner, once the quality gate has no
    errors. The published revision is stored (content, Markdown and its SHA-256)."""
    at = _check_at(at)
    postmortem, target = _begin(
        postmortem,
        PostmortemAction.PUBLISH,
        expected_version=expected_version,
        refusal=lambda locked: review_refusal(actor, locked),
    )
    if postmortem.submitted_at and at < postmortem.submitted_at:
        raise ValidationError({"at": "Publication cannot come before the submission for review."})
    quality = postmortem_quality(postmortem_content(postmortem.pk))
    if quality.errors:
        raise QualityGateFailed(quality.errors)
    old = _move(
        postmortem,
        target,
        published_at=at,
        published_by=actor,
        first_published_at=postmortem.first_published_at or at,
        revision=postmortem.revision + 1,
        # What the reviewers asked for has been dealt with: the published text answers it.
        changes_requested_at=None,
        changes_requested_by=None,
        changes_requested_comment="",
    )
    document = postmortem_document(postmortem_content(postmortem.pk))
    markdown = postmortem_markdown(document)
    revision = PostmortemRevision.objects.create(
        postmortem=postmortem,
        number=postmortem.revision,
        published_at=at,
        published_by=actor,
        snapshot=document_snapshot(document),
        markdown=markdown,
        sha256=hashlib.sha256(markdown.encode("utf-8")).hexdigest(),
    )
    _record(
        postmortem,
        audit="postmortem.published",
        actor=actor,
        changes={
            "status": [old, target],
            "revision": revision.number,
            "sha256": revision.sha256,
            "quality_warnings": len(quality.warnings),
            "note": note.strip(),
        },
        timeline=INCIDENT_TIMELINE["published"].format(
            reference=postmortem.reference,
            actor=display_name(actor),
            revision=revision.number,
            title=postmortem.title.rstrip("."),
        ),
        timeline_action="published",
        at=at,
    )
    events.postmortem_published.publish(postmortem=postmortem, actor=actor)
    return postmortem


@transaction.atomic
def postmortem_revise(
    *, postmortem: Postmortem, actor: User, note: str = "", expected_version: int | None = None
) -> Postmortem:
    """Start a new draft of a published post-mortem; the published revision stays stored."""
    postmortem, target = _begin(postmortem, PostmortemAction.REVISE, expected_version=expected_version)
    old = _move(postmortem, target, submitted_at=None, submitted_by=None)
    text = INCIDENT_TIMELINE["revised"].format(
        reference=postmortem.reference, actor=display_name(actor), revision=postmortem.revision
    )
    _record(
        postmortem,
        audit="postmortem.revised",
        actor=actor,
        changes={"status": [old, target], "published_revision": postmortem.revision, "note": note.strip()},
        timeline=f"{text} {note.strip()}" if note.strip() else text,
        timeline_action="revised",
    )
    return postmortem
