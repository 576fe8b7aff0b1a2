"""Timeline marks and action items on the editor, the board and an item's page."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from incidents.models import TimelineEvent
from postmortems import services
from postmortems.choices import ActionItemStatus
from postmortems.models import ActionItem, PostmortemTimelineEntry
from tests.postmortems.factories import ActionItemFactory, start_postmortem
from tests.ui.postmortems.helpers import body_of

# --- timeline marks and action items -----------------------------------------------------------------


def test_timeline_marks_change_the_snapshot_only_and_keep_the_editor_version(logged_in, postmortem, author):
    entry = postmortem.timeline_entries.first()
    source_text = TimelineEvent.objects.get(pk=entry.source_event_id).text
    client = logged_in(author)
    url = f"/postmortems/{postmortem.pk}/timeline/{entry.pk}/"
    response = client.post(url, {"is_starred": "1", "version": "1"}, HTTP_HX_REQUEST="true")
    fragment = body_of(response)
    assert response.status_code == 200
    assert "Starred" in fragment
    assert 'aria-pressed="true"' in fragment
    assert 'id="pm-version" value="2" hx-swap-oob="true"' in fragment
    response = client.post(
        url,
        {"assessment": "hypothesis", "annotation": "From the chat log", "version": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert "Hypothesis" in body_of(response)
    # A stale editor version: the mark still applies, but the editor keeps its version (its save will show
    # what others changed).
    services.postmortem_update(postmortem=postmortem, actor=author, data={"title": "Renamed"})
    stale = client.post(url, {"assessment": "fact", "version": "3"}, HTTP_HX_REQUEST="true")
    assert "hx-swap-oob" not in body_of(stale)
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
    body = body_of(response)
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
    body = body_of(client.post(f"/postmortems/{postmortem.pk}/action-items/", data))
    assert "Typed description" in body
    assert "This field is required." in body
    assert "Enter a valid date." in body
    htmx = body_of(client.post(f"/postmortems/{postmortem.pk}/action-items/", data, HTTP_HX_REQUEST="true"))
    assert "Typed description" in htmx
    assert not ActionItem.objects.exists()


def test_an_action_item_moves_to_done_only_with_a_verification(logged_in, item, author):
    client = logged_in(author)
    url = f"/action-items/{item.pk}/"
    assert client.post(url, {"action": "start", "version": "1"}).status_code == 302
    refused = client.post(url, {"action": "complete", "version": "2", "verification": ""})
    assert refused.status_code == 200
    assert "prevent and mitigate items need it" in body_of(refused)
    assert ActionItem.objects.get(pk=item.pk).status == ActionItemStatus.IN_PROGRESS
    done = client.post(
        url, {"action": "complete", "version": "2", "verification": "Load test at 3x traffic."}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.verification) == (ActionItemStatus.DONE, "Load test at 3x traffic.")
    page = body_of(client.get(url))
    assert "Mark done" not in page
    assert "Marked done" in page


def test_wont_do_needs_a_reason_and_its_owner_may_decide(logged_in, item, reviewer, author):
    services.action_item_update(item=item, actor=author, data={"owner": reviewer})
    client = logged_in(reviewer)
    url = f"/action-items/{item.pk}/"
    refused = client.post(url, {"action": "wont_do", "version": "2", "reason": ""})
    assert "This field is required." in body_of(refused)
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
    assert "Someone changed this item while you were editing" in body_of(stale)
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
    everything = body_of(client.get("/action-items/"))
    assert all(title in everything for title in ["Mine and late", "Theirs and late", "Mine on time"])
    assert "Overdue" in everything
    mine_late = body_of(client.get("/action-items/?owner=me&overdue=on"))
    assert "Mine and late" in mine_late
    assert "Theirs and late" not in mine_late
    assert "Mine on time" not in mine_late
    theirs = body_of(client.get(f"/action-items/?owner={reviewer.pk}"))
    assert "Theirs and late" in theirs
    assert "Mine on time" not in theirs


def test_the_list_filters_by_status_owner_and_incident(
    logged_in, postmortem, author, reviewer, resolved_incident
):
    other = start_postmortem(reviewer, [resolved_incident], title="Reviewer's own")
    client = logged_in(author)
    assert "Reviewer&#x27;s own" in body_of(client.get("/postmortems/"))
    mine = body_of(client.get("/postmortems/?owner=me"))
    assert postmortem.reference in mine
    assert other.reference not in mine
    assert postmortem.reference in body_of(client.get(f"/postmortems/?q={resolved_incident.reference}"))
    assert postmortem.reference not in body_of(client.get("/postmortems/?q=no-such-incident"))
    assert postmortem.reference not in body_of(client.get("/postmortems/?status=published"))


# --- links and Markdown ---------------------------------------------------------------------------------


def test_action_item_pages_link_to_their_incidents(logged_in, postmortem, author, resolved_incident):
    general = services.action_item_create(actor=author, postmortem=postmortem, title="Review the runbook")
    tied = services.action_item_create(
        actor=author, postmortem=postmortem, title="Add a timeout", incident=resolved_incident
    )
    link = f'href="/incidents/{resolved_incident.pk}/"'
    client = logged_in(author)
    page = body_of(client.get(f"/action-items/{general.pk}/"))
    assert "Post-mortem covers" in page
    assert link in page
    assert link in body_of(client.get(f"/action-items/{tied.pk}/"))
    board = body_of(client.get("/action-items/"))
    assert f"{link}>{resolved_incident.reference}</a>" in board


def test_postmortem_text_renders_as_safe_markdown(logged_in, postmortem, author):
    entry = postmortem.timeline_entries.first()
    services.timeline_entry_update(
        entry=entry,
        actor=author,
        data={"text": "Rolled **back** <script>alert(1)</script>", "annotation": "See [log](javascript:x)"},
    )
    services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={
            "whys": ["The pool was *exhausted*."],
            "contributing_factors": [{"category": "change", "description": "A **release** added it."}],
        },
    )
    item = services.action_item_create(
        actor=author, postmortem=postmortem, title="Timeout", description="Use `statement_timeout`."
    )
    client = logged_in(author)
    page = body_of(client.get(f"/postmortems/{postmortem.pk}/?view=read"))
    assert "Rolled <strong>back</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'href="javascript' not in page
    assert "<em>exhausted</em>" in page
    assert "A <strong>release</strong> added it." in page
    assert "<code>statement_timeout</code>" in body_of(client.get(f"/action-items/{item.pk}/"))
