"""The post-mortem and action-item pages: the same rules as the API, forms that keep what
was typed, stale saves that overwrite nothing, and a query count that does not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import IncidentRole, TimelineEvent
from portal import roles
from postmortems import services
from postmortems.choices import ActionItemKind, ActionItemStatus, PostmortemStatus
from postmortems.models import ActionItem, Postmortem, PostmortemTimelineEntry
from tests.factories import IncidentFactory, UserFactory
from tests.postmortems.factories import ActionItemFactory, make_publishable, resolve, start_postmortem


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", role=roles.POSTMORTEM_AUTHOR)


@pytest.fixture
def resolved_incident(incident, responder):
    return resolve(incident, responder)


@pytest.fixture
def postmortem(author, reviewer, resolved_incident):
    return start_postmortem(author, [resolved_incident], reviewers=[reviewer])


@pytest.fixture
def item(postmortem, author):
    return services.action_item_create(
        actor=author,
        postmortem=postmortem,
        title="Add a statement timeout",
        owner=author,
        due_date=timezone.localdate() + timedelta(days=14),
        kind=ActionItemKind.PREVENT,
    )


def _body(response) -> str:
    return response.content.decode()


# --- who reaches what ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "allowed", "forbidden"),
    [
        ("author", ["list", "new", "detail", "board", "item"], []),
        ("reviewer", ["list", "new", "detail", "board", "item"], []),
        ("auditor", ["list", "detail", "board", "item"], ["new"]),
        ("compliance_officer", ["list", "detail", "board", "item"], ["new"]),
        ("responder", ["list", "detail", "board", "item"], ["new"]),
        ("nobody", [], ["list", "new", "detail", "board", "item"]),
    ],
)
def test_each_role_reaches_the_postmortem_pages(request, logged_in, item, fixture, allowed, forbidden):
    urls = {
        "list": "/postmortems/",
        "new": "/postmortems/new/",
        "detail": f"/postmortems/{item.postmortem_id}/",
        "board": "/action-items/",
        "item": f"/action-items/{item.pk}/",
    }
    client = logged_in(request.getfixturevalue(fixture))
    for name in allowed:
        assert client.get(urls[name]).status_code == 200, name
    for name in forbidden:
        assert client.get(urls[name]).status_code == 403, name


def test_anonymous_visitors_are_sent_to_login(client, item):
    for url in [
        "/postmortems/",
        f"/postmortems/{item.postmortem_id}/",
        "/action-items/",
        f"/action-items/{item.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_author_edits_and_the_auditor_only_reads(logged_in, postmortem, item, author, auditor):
    entry = postmortem.timeline_entries.first()
    editor = _body(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert 'name="section_summary"' in editor
    assert "Submit for review" in editor
    assert "Add an action item" in editor
    assert f"/api/v1/postmortems/{postmortem.pk}/pdf/" in editor
    assert f"/api/v1/postmortems/{postmortem.pk}/markdown/" in editor

    client = logged_in(auditor)
    reader = _body(client.get(f"/postmortems/{postmortem.pk}/"))
    assert 'name="section_summary"' not in reader
    assert "Submit for review" not in reader
    assert "Add an action item" not in reader
    assert "Not written yet." in reader
    assert f"/api/v1/postmortems/{postmortem.pk}/pdf/" in reader
    assert client.post(f"/postmortems/{postmortem.pk}/", {"title": "Hijacked"}).status_code == 403
    assert (
        client.post(f"/postmortems/{postmortem.pk}/timeline/{entry.pk}/", {"is_starred": "1"}).status_code
        == 403
    )
    assert client.post(f"/postmortems/{postmortem.pk}/action-items/", {"item-title": "x"}).status_code == 403
    assert client.post(f"/postmortems/{postmortem.pk}/transition/submit_for_review/").status_code == 403
    assert client.post(f"/action-items/{item.pk}/", {"action": "edit", "item-title": "x"}).status_code == 403
    assert "Start work" not in _body(client.get(f"/action-items/{item.pk}/"))
    client.post(f"/action-items/{item.pk}/", {"action": "start"})
    postmortem.refresh_from_db()
    assert postmortem.title != "Hijacked"
    assert postmortem.status == PostmortemStatus.DRAFT
    assert ActionItem.objects.get(pk=item.pk).status == ActionItemStatus.OPEN


def test_a_published_postmortem_reads_as_rendered_and_sanitised_html(logged_in, postmortem, author, reviewer):
    services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={"sections": {"summary": "**Bold claim** <script>alert(1)</script> [x](javascript:alert(1))"}},
    )
    body = _body(logged_in(reviewer).get(f"/postmortems/{postmortem.pk}/?view=read"))
    assert "<strong>Bold claim</strong>" in body
    assert "<script>alert(1)</script>" not in body
    assert 'href="javascript' not in body.lower()


def test_restricted_postmortems_are_404_for_outsiders_on_every_page(
    logged_in, restricted_incident, responder, author, reviewer, outsider
):
    for slug, user in [("technical-lead", author), ("communications-lead", reviewer)]:
        incident_services.incident_assign_role(
            incident=restricted_incident, role=IncidentRole.objects.get(slug=slug), user=user, actor=responder
        )
    hidden = start_postmortem(author, [resolve(restricted_incident, responder)], reviewers=[reviewer])
    secret = services.action_item_create(actor=author, postmortem=hidden, title="Rotate the HR share keys")
    entry = hidden.timeline_entries.first()
    client = logged_in(outsider)
    assert client.get(f"/postmortems/{hidden.pk}/").status_code == 404
    assert client.get(f"/action-items/{secret.pk}/").status_code == 404
    assert client.post(f"/action-items/{secret.pk}/", {"action": "start"}).status_code == 404
    assert client.post(f"/postmortems/{hidden.pk}/transition/publish/").status_code == 404
    assert hidden.reference not in _body(client.get("/postmortems/"))
    assert "Rotate the HR share keys" not in _body(client.get("/action-items/"))
    assert restricted_incident.reference not in _body(client.get("/postmortems/"))
    author_client = logged_in(UserFactory(username="other-author", role=roles.POSTMORTEM_AUTHOR))
    assert author_client.post(f"/postmortems/{hidden.pk}/", {"title": "x"}).status_code == 404
    assert (
        author_client.post(f"/postmortems/{hidden.pk}/timeline/{entry.pk}/", {"is_starred": "1"}).status_code
        == 404
    )
    assert (
        author_client.post(f"/postmortems/{hidden.pk}/action-items/", {"item-title": "x"}).status_code == 404
    )
    assert author_client.get(f"/postmortems/new/?incident={restricted_incident.pk}").status_code == 200
    assert restricted_incident.reference not in _body(author_client.get("/postmortems/new/"))
    assert logged_in(reviewer).get(f"/postmortems/{hidden.pk}/").status_code == 200


# --- starting, editing, conflicts ---------------------------------------------------------------------


def test_starting_from_an_incident_preselects_it_and_imports_its_timeline(
    logged_in, author, resolved_incident
):
    client = logged_in(author)
    page = _body(client.get(f"/postmortems/new/?incident={resolved_incident.pk}"))
    assert f'<option value="{resolved_incident.pk}" selected>' in page
    response = client.post(
        "/postmortems/new/",
        {
            "incidents": [resolved_incident.pk],
            "template": services.PostmortemTemplate.objects.get(slug="standard").pk,
        },
    )
    postmortem = Postmortem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/postmortems/{postmortem.pk}/"
    assert postmortem.owner == author
    assert (
        postmortem.timeline_entries.count() == resolved_incident.timeline.exclude(kind="postmortem").count()
    )


def test_an_unresolved_incident_is_not_offered_and_is_explained(logged_in, author, incident):
    page = _body(logged_in(author).get(f"/postmortems/new/?incident={incident.pk}"))
    assert "write its post-mortem once it is resolved" in page
    assert f"{incident.reference} · {incident.title}" not in page


def test_the_start_form_keeps_what_was_typed(logged_in, author, resolved_incident):
    response = logged_in(author).post("/postmortems/new/", {"title": "Kept title", "template": ""})
    body = _body(response)
    assert response.status_code == 200
    assert "Kept title" in body
    assert "errorlist" in body
    assert not Postmortem.objects.exists()


def _save_data(postmortem: Postmortem, **changes: object) -> dict[str, object]:
    """The editor form as the page renders it, with ``changes`` applied."""
    data: dict[str, object] = {
        "version": postmortem.version,
        "title": postmortem.title,
        "owner": postmortem.owner_id,
        "facilitator": postmortem.facilitator_id or "",
        "reviewers": [user.pk for user in postmortem.reviewers.all()],
        "customers_affected": "",
        "records_affected": "",
        "whys": "\n".join(postmortem.whys),
        "no_action_items_reason": postmortem.no_action_items_reason,
        "factors-TOTAL_FORMS": "2",
        "factors-INITIAL_FORMS": "0",
        "factors-MIN_NUM_FORMS": "0",
        "factors-MAX_NUM_FORMS": "1000",
        "factors-0-category": "",
        "factors-0-description": "",
        "factors-1-category": "",
        "factors-1-description": "",
    }
    for section in postmortem.sections.all():
        data[f"section_{section.key}"] = section.body
    data.update(changes)
    return data


def test_saving_the_editor_writes_sections_whys_and_factors(logged_in, postmortem, author):
    response = logged_in(author).post(
        f"/postmortems/{postmortem.pk}/",
        _save_data(
            postmortem,
            section_summary="Checkout failed for 40 minutes.",
            whys="1. The pool was exhausted.\n\n2. A slow query held connections.\n",
            **{"factors-0-category": "change", "factors-0-description": "A release added the query."},
        ),
    )
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.sections.get(key="summary").body == "Checkout failed for 40 minutes."
    assert postmortem.whys == ["The pool was exhausted.", "A slow query held connections."]
    assert [(f.category.slug, f.description) for f in postmortem.factors.all()] == [
        ("change", "A release added the query.")
    ]
    assert postmortem.version == 2


def test_the_editor_keeps_what_was_typed_and_shows_field_errors(logged_in, postmortem, author):
    response = logged_in(author).post(
        f"/postmortems/{postmortem.pk}/",
        _save_data(
            postmortem,
            title="",
            section_summary="My unsaved summary",
            **{"factors-0-category": "", "factors-0-description": "A factor without a category"},
        ),
    )
    body = _body(response)
    assert response.status_code == 200
    assert "My unsaved summary" in body
    assert "A factor without a category" in body
    assert "Choose the category of this factor." in body
    assert "This field is required." in body
    assert Postmortem.objects.get(pk=postmortem.pk).version == postmortem.version


def test_service_errors_land_next_to_the_field(logged_in, postmortem, author):
    response = logged_in(author).post(
        f"/postmortems/{postmortem.pk}/",
        _save_data(postmortem, reviewers=[author.pk], section_summary="Typed text"),
    )
    body = _body(response)
    assert response.status_code == 200
    assert "owns the post-mortem and cannot review it" in body
    assert "Typed text" in body


def test_a_stale_save_shows_both_versions_and_overwrites_nothing(logged_in, postmortem, author, reviewer):
    read = Postmortem.objects.get(pk=postmortem.pk)
    services.postmortem_update(
        postmortem=postmortem, actor=reviewer, data={"sections": {"summary": "Theirs"}}, expected_version=1
    )
    client = logged_in(author)
    response = client.post(f"/postmortems/{postmortem.pk}/", _save_data(read, section_summary="Mine"))
    body = _body(response)
    assert response.status_code == 200
    assert "Someone saved this post-mortem while you were editing" in body
    assert "Nothing was overwritten" in body
    assert "Theirs" in body
    assert "Mine" in body
    assert postmortem.sections.get(key="summary").body == "Theirs"
    assert 'name="version" id="pm-version" value="2"' in body
    # Saving again from the page that showed the conflict is a deliberate choice: it goes through.
    again = client.post(f"/postmortems/{postmortem.pk}/", _save_data(read, version=2, section_summary="Mine"))
    assert again.status_code == 302
    assert postmortem.sections.get(key="summary").body == "Mine"


def test_a_stale_transition_is_refused_with_an_explanation(logged_in, postmortem, author):
    client = logged_in(author)
    services.postmortem_update(postmortem=postmortem, actor=author, data={"title": "Renamed"})
    response = client.post(
        f"/postmortems/{postmortem.pk}/transition/submit_for_review/", {"version": "1"}, follow=True
    )
    assert "changed since you opened it" in _body(response)
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.DRAFT


# --- quality, review, publication ---------------------------------------------------------------------


def test_the_quality_panel_lists_the_blocking_errors_and_publishing_waits(
    logged_in, postmortem, author, reviewer
):
    body = _body(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert "The required section “Summary” is empty." in body
    assert "Name at least one contributing factor" in body
    assert "Add an action item, or write down why none is needed." in body
    assert 'href="#id_section_summary"' in body
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    client = logged_in(reviewer)
    page = _body(client.get(f"/postmortems/{postmortem.pk}/"))
    assert 'disabled aria-describedby="publish-blocked"' in page
    response = client.post(f"/postmortems/{postmortem.pk}/transition/publish/", {"version": "2"}, follow=True)
    assert "cannot be published yet" in _body(response)
    assert "The required section “Summary” is empty." in _body(response)
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.IN_REVIEW


def test_warnings_do_not_block_publishing(logged_in, postmortem, author, reviewer):
    postmortem = make_publishable(postmortem, author)
    services.postmortem_update(
        postmortem=postmortem, actor=author, data={"sections": {"summary": "It was human error."}}
    )
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    body = _body(logged_in(reviewer).get(f"/postmortems/{postmortem.pk}/"))
    assert "blame language" in body
    assert "Nothing blocks publishing." in body
    assert f'action="/postmortems/{postmortem.pk}/transition/publish/"' in body
    assert "publish-blocked" not in body


def test_review_buttons_follow_the_four_eyes_rule(logged_in, postmortem, author, reviewer, auditor):
    postmortem = make_publishable(postmortem, author)
    publish_url = f"/postmortems/{postmortem.pk}/transition/publish/"
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    version = Postmortem.objects.get(pk=postmortem.pk).version
    owner_page = _body(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert publish_url not in owner_page
    assert "You own this post-mortem" in owner_page
    refused = logged_in(author).post(publish_url, {"version": version}, follow=True)
    assert "You own this post-mortem" in _body(refused)
    assert publish_url not in _body(logged_in(auditor).get(f"/postmortems/{postmortem.pk}/"))
    client = logged_in(reviewer)
    assert publish_url in _body(client.get(f"/postmortems/{postmortem.pk}/"))
    published = client.post(publish_url, {"version": version}, follow=True)
    assert f"{postmortem.reference} published." in _body(published)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert postmortem.published_by == reviewer
    page = _body(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert "Revise (new draft)" in page
    assert 'name="section_summary"' not in page
    assert "Revision 1" in page


# --- timeline marks and action items -----------------------------------------------------------------


def test_timeline_marks_change_the_snapshot_only_and_keep_the_editor_version(logged_in, postmortem, author):
    entry = postmortem.timeline_entries.first()
    source_text = TimelineEvent.objects.get(pk=entry.source_event_id).text
    client = logged_in(author)
    url = f"/postmortems/{postmortem.pk}/timeline/{entry.pk}/"
    response = client.post(url, {"is_starred": "1", "version": "1"}, HTTP_HX_REQUEST="true")
    fragment = _body(response)
    assert response.status_code == 200
    assert "Starred" in fragment
    assert 'aria-pressed="true"' in fragment
    assert 'id="pm-version" value="2" hx-swap-oob="true"' in fragment
    response = client.post(
        url,
        {"assessment": "hypothesis", "annotation": "From the chat log", "version": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert "Hypothesis" in _body(response)
    # A stale editor version: the mark still applies, but the editor keeps its version (its save will show
    # what others changed).
    services.postmortem_update(postmortem=postmortem, actor=author, data={"title": "Renamed"})
    stale = client.post(url, {"assessment": "fact", "version": "3"}, HTTP_HX_REQUEST="true")
    assert "hx-swap-oob" not in _body(stale)
    entry = PostmortemTimelineEntry.objects.get(pk=entry.pk)
    assert (entry.is_starred, entry.assessment, entry.annotation) == (True, "fact", "From the chat log")
    assert TimelineEvent.objects.get(pk=entry.source_event_id).text == source_text
    without_js = client.post(url, {"is_starred": "0"})
    assert without_js.status_code == 302
    assert without_js["Location"].endswith(f"#entry-{entry.pk}")
    assert not PostmortemTimelineEntry.objects.get(pk=entry.pk).is_starred


def test_adding_an_action_item_inline_updates_the_list_and_the_quality_panel(logged_in, postmortem, author):
    due = timezone.localdate() + timedelta(days=7)
    response = logged_in(author).post(
        f"/postmortems/{postmortem.pk}/action-items/",
        {
            "item-title": "Add a statement timeout",
            "item-owner": author.pk,
            "item-due_date": due.isoformat(),
            "item-priority": "high",
            "item-kind": "prevent",
        },
        HTTP_HX_REQUEST="true",
    )
    body = _body(response)
    assert response.status_code == 200
    assert "Add a statement timeout" in body
    assert 'id="quality-panel" hx-swap-oob="true"' in body
    assert "Add an action item, or write down why none is needed." not in body
    created = ActionItem.objects.get(postmortem=postmortem)
    assert (created.owner, created.due_date, created.priority, created.kind) == (
        author,
        due,
        "high",
        "prevent",
    )


def test_the_action_item_form_keeps_what_was_typed(logged_in, postmortem, author, outsider):
    client = logged_in(author)
    data = {
        "item-title": "",
        "item-description": "Typed description",
        "item-due_date": "2026-13-45",
        "item-priority": "high",
        "item-kind": "prevent",
    }
    body = _body(client.post(f"/postmortems/{postmortem.pk}/action-items/", data))
    assert "Typed description" in body
    assert "This field is required." in body
    assert "Enter a valid date." in body
    htmx = _body(client.post(f"/postmortems/{postmortem.pk}/action-items/", data, HTTP_HX_REQUEST="true"))
    assert "Typed description" in htmx
    assert not ActionItem.objects.exists()


def test_an_action_item_moves_to_done_only_with_a_verification(logged_in, item, author):
    client = logged_in(author)
    url = f"/action-items/{item.pk}/"
    assert client.post(url, {"action": "start", "version": "1"}).status_code == 302
    refused = client.post(url, {"action": "complete", "version": "2", "verification": ""})
    assert refused.status_code == 200
    assert "prevent and mitigate items need it" in _body(refused)
    assert ActionItem.objects.get(pk=item.pk).status == ActionItemStatus.IN_PROGRESS
    done = client.post(
        url, {"action": "complete", "version": "2", "verification": "Load test at 3x traffic."}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.verification) == (ActionItemStatus.DONE, "Load test at 3x traffic.")
    page = _body(client.get(url))
    assert "Mark done" not in page
    assert "Marked done" in page


def test_wont_do_needs_a_reason_and_its_owner_may_decide(logged_in, item, reviewer, author):
    services.action_item_update(item=item, actor=author, data={"owner": reviewer})
    client = logged_in(reviewer)
    url = f"/action-items/{item.pk}/"
    refused = client.post(url, {"action": "wont_do", "version": "2", "reason": ""})
    assert "This field is required." in _body(refused)
    assert (
        client.post(url, {"action": "wont_do", "version": "2", "reason": "Superseded by #12."}).status_code
        == 302
    )
    item.refresh_from_db()
    assert (item.status, item.wont_do_reason) == (ActionItemStatus.WONT_DO, "Superseded by #12.")


def test_editing_an_action_item_carries_its_version(logged_in, item, author, reviewer):
    client = logged_in(author)
    data = {
        "action": "edit",
        "version": "1",
        "item-title": "Add a statement timeout of 5 s",
        "item-owner": reviewer.pk,
        "item-due_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "item-priority": "critical",
        "item-kind": "prevent",
    }
    assert client.post(f"/action-items/{item.pk}/", data).status_code == 302
    stale = client.post(f"/action-items/{item.pk}/", {**data, "item-title": "Mine"})
    assert "Someone changed this item while you were editing" in _body(stale)
    item.refresh_from_db()
    assert (item.title, item.owner, item.priority) == ("Add a statement timeout of 5 s", reviewer, "critical")


def test_the_board_filters_by_owner_and_overdue_and_says_overdue(logged_in, postmortem, author, reviewer):
    ActionItemFactory(
        postmortem=postmortem,
        owner=author,
        title="Mine and late",
        due_date=timezone.localdate() - timedelta(days=2),
    )
    ActionItemFactory(
        postmortem=postmortem,
        owner=reviewer,
        title="Theirs and late",
        due_date=timezone.localdate() - timedelta(days=2),
    )
    ActionItemFactory(postmortem=postmortem, owner=author, title="Mine on time")
    client = logged_in(author)
    everything = _body(client.get("/action-items/"))
    assert all(title in everything for title in ["Mine and late", "Theirs and late", "Mine on time"])
    assert "Overdue" in everything
    mine_late = _body(client.get("/action-items/?owner=me&overdue=on"))
    assert "Mine and late" in mine_late
    assert "Theirs and late" not in mine_late
    assert "Mine on time" not in mine_late
    theirs = _body(client.get(f"/action-items/?owner={reviewer.pk}"))
    assert "Theirs and late" in theirs
    assert "Mine on time" not in theirs


def test_the_list_filters_by_status_owner_and_incident(
    logged_in, postmortem, author, reviewer, resolved_incident
):
    other = start_postmortem(reviewer, [resolved_incident], title="Reviewer's own")
    client = logged_in(author)
    assert "Reviewer&#x27;s own" in _body(client.get("/postmortems/"))
    mine = _body(client.get("/postmortems/?owner=me"))
    assert postmortem.reference in mine
    assert other.reference not in mine
    assert postmortem.reference in _body(client.get(f"/postmortems/?q={resolved_incident.reference}"))
    assert postmortem.reference not in _body(client.get("/postmortems/?q=no-such-incident"))
    assert postmortem.reference not in _body(client.get("/postmortems/?status=published"))


# --- query budget ------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def _resolved_incidents(count: int, responder) -> list:
    created = []
    for _ in range(count):
        incident = IncidentFactory(created_by=responder, detected_at=timezone.now() - timedelta(days=2))
        created.append(resolve(incident, responder))
    return created


def test_pages_render_in_a_bounded_number_of_queries(logged_in, author, reviewer, responder, postmortem):
    item = ActionItemFactory(postmortem=postmortem, owner=reviewer)
    urls = [
        "/postmortems/",
        "/postmortems/new/",
        f"/postmortems/{postmortem.pk}/",
        "/action-items/",
        f"/action-items/{item.pk}/",
    ]
    client = logged_in(author)
    base = {url: _queries(client, url) for url in urls}

    many = _resolved_incidents(12, responder)
    for incident in many:
        grown = start_postmortem(author, [incident], reviewers=[reviewer])
        services.postmortem_update(
            postmortem=grown,
            actor=author,
            data={"whys": ["a", "b"], "contributing_factors": [{"category": "change", "description": "x"}]},
        )
        ActionItemFactory.create_batch(3, postmortem=grown, owner=reviewer)
    services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={
            "whys": [f"why {n}" for n in range(8)],
            "contributing_factors": [{"category": "change", "description": f"factor {n}"} for n in range(12)],
        },
    )
    for entry in range(25):
        services.timeline_entry_add(
            postmortem=postmortem,
            actor=author,
            occurred_at=timezone.now() - timedelta(minutes=entry),
            text=f"Found in the logs {entry}",
        )
    ActionItemFactory.create_batch(
        15, postmortem=postmortem, owner=reviewer, due_date=timezone.localdate() - timedelta(days=1)
    )
    for extra in range(3):
        UserFactory(username=f"extra-author-{extra}", role=roles.POSTMORTEM_AUTHOR)

    for url in urls:
        count = _queries(client, url)
        assert count <= base[url] + 2, (url, base[url], count)
        assert count < 40, (url, count)
