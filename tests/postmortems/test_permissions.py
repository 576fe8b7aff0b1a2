"""The access rules of postmortems/permissions.py, and that the API, the pages and the services
all follow them: a button shows exactly when the API (and the service behind it) says yes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import roles
from postmortems import permissions as rules
from postmortems import services
from postmortems.choices import ActionItemKind
from postmortems.models import Postmortem
from postmortems.selectors import action_items_visible_to, postmortems_visible_to
from tests.factories import UserFactory
from tests.postmortems.factories import make_publishable

PEOPLE = ["author", "reviewer", "compliance_officer", "auditor", "responder", "other_author"]


@pytest.fixture
def other_author(db):
    """An author who is not on this post-mortem's review list."""
    return UserFactory(username="other-author", role=roles.POSTMORTEM_AUTHOR)


@pytest.fixture
def in_review(postmortem, author):
    postmortem = make_publishable(postmortem, author)
    return services.postmortem_submit_for_review(postmortem=postmortem, actor=author)


@pytest.fixture
def item(postmortem, author, responder):
    return services.action_item_create(
        actor=author,
        postmortem=postmortem,
        title="Add a statement timeout",
        owner=responder,
        due_date=timezone.localdate() + timedelta(days=7),
        kind=ActionItemKind.DETECT,
    )


# --- the predicates themselves -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("author", False),  # owns it
        ("reviewer", True),  # listed reviewer
        ("compliance_officer", True),  # may publish anything
        ("auditor", False),
        ("responder", False),
        ("other_author", False),  # an author, but not a listed reviewer
    ],
)
def test_who_may_publish_or_send_back_a_postmortem_in_review(request, in_review, person, expected):
    user = request.getfixturevalue(person)
    assert rules.can_publish_postmortem(user, in_review) is expected
    assert rules.can_request_changes(user, in_review) is expected
    assert (rules.review_refusal(user, in_review) is None) is expected


def test_whoever_submitted_it_may_not_review_it_either(postmortem, author, reviewer):
    postmortem = services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    assert not rules.can_publish_postmortem(reviewer, postmortem)
    assert "You submitted" in (rules.review_refusal(reviewer, postmortem) or "")


def test_nobody_publishes_a_draft(postmortem, compliance_officer):
    assert rules.review_refusal(compliance_officer, postmortem) is None
    assert not rules.can_publish_postmortem(compliance_officer, postmortem)


@pytest.mark.parametrize(
    ("person", "writes"),
    [("author", True), ("reviewer", True), ("compliance_officer", False), ("auditor", False)],
)
def test_authors_edit_drafts_and_nobody_edits_a_published_one(
    request, postmortem, author, compliance_officer, person, writes
):
    user = request.getfixturevalue(person)
    assert rules.can_edit_postmortem(user, postmortem) is writes
    assert rules.can_submit_postmortem(user, postmortem) is writes
    assert rules.can_start_postmortem(user) is writes
    postmortem = make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    published = services.postmortem_publish(postmortem=postmortem, actor=compliance_officer)
    assert not rules.can_edit_postmortem(user, published)
    assert rules.can_revise_postmortem(user, published) is writes


@pytest.mark.parametrize(
    ("person", "moves", "edits"),
    [
        ("responder", True, False),  # owns the item without being an author
        ("author", True, True),
        ("auditor", False, False),
        ("compliance_officer", False, False),
    ],
)
def test_who_may_move_or_edit_an_action_item(request, item, person, moves, edits):
    user = request.getfixturevalue(person)
    assert rules.can_move_action_item(user, item) is moves
    assert rules.can_edit_action_item(user, item) is edits


# --- the API and the pages ask the same predicates ------------------------------------------------------


@pytest.mark.parametrize("person", PEOPLE)
def test_publish_shows_on_the_page_exactly_when_the_api_accepts_it(
    request, in_review, api_as, client, person
):
    user = request.getfixturevalue(person)
    allowed = rules.can_publish_postmortem(user, in_review)
    client.force_login(user)
    page = client.get(f"/postmortems/{in_review.pk}/").content.decode()
    assert (f"/postmortems/{in_review.pk}/transition/publish/" in page) is allowed
    response = api_as(user).post(f"/api/v1/postmortems/{in_review.pk}/publish/", {}, format="json")
    assert response.status_code == (200 if allowed else 403), response.content
    assert (Postmortem.objects.get(pk=in_review.pk).status == "published") is allowed


@pytest.mark.parametrize("person", PEOPLE)
def test_request_changes_shows_on_the_page_exactly_when_the_api_accepts_it(
    request, in_review, api_as, client, person
):
    user = request.getfixturevalue(person)
    allowed = rules.can_request_changes(user, in_review)
    client.force_login(user)
    page = client.get(f"/postmortems/{in_review.pk}/").content.decode()
    assert ('id="request-changes"' in page) is allowed
    response = api_as(user).post(
        f"/api/v1/postmortems/{in_review.pk}/request_changes/", {"comment": "More detail."}, format="json"
    )
    assert response.status_code == (200 if allowed else 403), response.content


@pytest.mark.parametrize("person", ["responder", "author", "auditor", "compliance_officer", "reviewer"])
def test_start_work_shows_on_the_item_page_exactly_when_the_api_accepts_it(
    request, item, api_as, client, person
):
    user = request.getfixturevalue(person)
    allowed = rules.can_move_action_item(user, item)
    client.force_login(user)
    page = client.get(f"/action-items/{item.pk}/").content.decode()
    assert ("Start work" in page) is allowed
    response = api_as(user).post(f"/api/v1/action-items/{item.pk}/start/", {}, format="json")
    assert response.status_code == (200 if allowed else 403), response.content


@pytest.mark.parametrize("person", ["author", "reviewer", "auditor", "compliance_officer", "responder"])
def test_the_editor_shows_exactly_when_the_user_may_edit(request, postmortem, client, api_as, person):
    user = request.getfixturevalue(person)
    allowed = rules.can_edit_postmortem(user, postmortem)
    client.force_login(user)
    page = client.get(f"/postmortems/{postmortem.pk}/").content.decode()
    assert ('id="pm-document"' in page) is allowed
    response = api_as(user).patch(
        f"/api/v1/postmortems/{postmortem.pk}/",
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=f'"{postmortem.version}"',
    )
    assert response.status_code == (200 if allowed else 403), response.content


@pytest.mark.parametrize(
    "person", ["author", "reviewer", "compliance_officer", "auditor", "responder", "nobody"]
)
def test_start_shows_on_the_list_and_the_incident_exactly_when_the_start_page_opens(
    request, client, resolved_incident, person
):
    user = request.getfixturevalue(person)
    allowed = rules.can_start_postmortem(user)
    client.force_login(user)
    assert client.get("/postmortems/new/").status_code == (200 if allowed else 403)
    listing = client.get("/postmortems/")
    assert listing.status_code == (200 if rules.can_view_postmortems(user) else 403)
    page = listing.content.decode()
    assert ('href="/postmortems/new/">Start a post-mortem</a>' in page) is allowed
    assert ("Waiting for a post-mortem" in page) is allowed
    incident_page = client.get(f"/incidents/{resolved_incident.pk}/").content.decode()
    assert (f'href="/postmortems/new/?incident={resolved_incident.pk}"' in incident_page) is allowed


@pytest.mark.parametrize("person", ["author", "compliance_officer", "auditor", "responder", "nobody"])
def test_the_selectors_show_postmortems_and_items_exactly_to_those_the_predicates_name(request, item, person):
    user = request.getfixturevalue(person)
    assert postmortems_visible_to(user).filter(pk=item.postmortem_id).exists() is rules.can_view_postmortems(
        user
    )
    assert action_items_visible_to(user).filter(pk=item.pk).exists() is rules.can_view_action_items(user)
