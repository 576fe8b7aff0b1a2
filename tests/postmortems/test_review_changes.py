"""A reviewer sends a post-mortem back with a comment: the author sees it, the incidents'
timelines say who asked for what, and the four-eyes rule applies as for publishing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.choices import TimelineKind
from incidents.models import TimelineEvent
from portal.errors import TransitionNotAllowed
from portal.models import AuditEvent
from postmortems import services
from postmortems.choices import PostmortemStatus
from postmortems.models import Postmortem
from tests.factories import UserFactory
from tests.postmortems.factories import make_publishable

COMMENT = "The root cause stops at **the slow query**: say why it was not caught."


@pytest.fixture
def in_review(postmortem, author):
    return services.postmortem_submit_for_review(postmortem=postmortem, actor=author)


@pytest.fixture
def named_reviewer(reviewer):
    reviewer.first_name, reviewer.last_name = "Priya", "Nair"
    reviewer.save()
    return reviewer


def test_a_reviewer_sends_it_back_to_draft_with_the_comment(in_review, named_reviewer, resolved_incident):
    back = services.postmortem_request_changes(postmortem=in_review, actor=named_reviewer, comment=COMMENT)
    back = Postmortem.objects.get(pk=back.pk)
    assert back.status == PostmortemStatus.DRAFT
    assert (back.changes_requested_by, back.changes_requested_comment) == (named_reviewer, COMMENT)
    assert back.version == in_review.version + 1
    line = TimelineEvent.objects.filter(incident=resolved_incident, kind=TimelineKind.POSTMORTEM).latest("id")
    assert line.text == f"Reviewer Priya Nair asked for changes to post-mortem {back.reference}: {COMMENT}"
    assert line.author == named_reviewer
    audit = AuditEvent.objects.get(action="postmortem.changes_requested", object_id=str(back.pk))
    assert audit.changes["comment"] == COMMENT


def test_the_name_in_the_timeline_is_the_one_at_the_time(in_review, named_reviewer, resolved_incident):
    services.postmortem_request_changes(postmortem=in_review, actor=named_reviewer, comment="More detail.")
    named_reviewer.first_name = "Priyanka"
    named_reviewer.save()
    line = TimelineEvent.objects.filter(incident=resolved_incident, kind=TimelineKind.POSTMORTEM).latest("id")
    assert line.text.startswith("Reviewer Priya Nair asked")


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_a_request_without_a_comment_is_refused_and_changes_nothing(in_review, reviewer, comment):
    with pytest.raises(ValidationError) as refused:
        services.postmortem_request_changes(postmortem=in_review, actor=reviewer, comment=comment)
    assert "comment" in refused.value.message_dict
    assert Postmortem.objects.get(pk=in_review.pk).status == PostmortemStatus.IN_REVIEW


def test_the_owner_and_outsiders_to_the_review_cannot_send_it_back(in_review, author, db):
    other_author = UserFactory(username="other-author", role="Post-mortem Author")
    for actor in (author, other_author):
        with pytest.raises(PermissionDenied):
            services.postmortem_request_changes(postmortem=in_review, actor=actor, comment="No.")
    assert Postmortem.objects.get(pk=in_review.pk).status == PostmortemStatus.IN_REVIEW


def test_only_a_postmortem_in_review_can_be_sent_back(postmortem, reviewer):
    with pytest.raises(TransitionNotAllowed):
        services.postmortem_request_changes(postmortem=postmortem, actor=reviewer, comment="Too early.")


def test_publishing_clears_the_request_and_resubmitting_keeps_it_until_then(
    postmortem, author, reviewer, compliance_officer
):
    postmortem = make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    services.postmortem_request_changes(
        postmortem=postmortem, actor=reviewer, comment="Add the timeline gap."
    )
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    assert Postmortem.objects.get(pk=postmortem.pk).changes_requested_comment == "Add the timeline gap."
    services.postmortem_publish(postmortem=postmortem, actor=compliance_officer)
    published = Postmortem.objects.get(pk=postmortem.pk)
    assert (published.changes_requested_at, published.changes_requested_comment) == (None, "")


def test_the_api_sends_it_back_and_shows_the_comment(api_as, in_review, named_reviewer, author):
    url = f"/api/v1/postmortems/{in_review.pk}/request_changes/"
    missing = api_as(named_reviewer).post(url, {}, format="json")
    assert missing.status_code == 400
    assert "comment" in missing.json()
    refused = api_as(author).post(url, {"comment": "Mine is fine."}, format="json")
    assert refused.status_code == 403
    sent = api_as(named_reviewer).post(url, {"comment": COMMENT}, format="json", HTTP_IF_MATCH='"2"')
    assert sent.status_code == 200, sent.content
    body = api_as(author).get(f"/api/v1/postmortems/{in_review.pk}/").json()
    assert body["status"] == "draft"
    assert body["changes_requested_comment"] == COMMENT
    assert body["changes_requested_by"]["name"] == "Priya Nair"
    assert "submit_for_review" in body["allowed_actions"]
    again = api_as(named_reviewer).post(url, {"comment": COMMENT}, format="json")
    assert again.status_code == 409
