"""Action items: lifecycle, who may move them, the overdue filter and the other filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import AuditEvent
from postmortems import services
from postmortems.choices import ActionItemKind, ActionItemStatus
from postmortems.models import ActionItem
from tests.postmortems.factories import ActionItemFactory, make_publishable, start_postmortem


@pytest.fixture
def item(postmortem, author, responder):
    return services.action_item_create(
        actor=author,
        postmortem=postmortem,
        title="Add a statement timeout",
        owner=responder,
        due_date=timezone.localdate() + timedelta(days=5),
        kind=ActionItemKind.PREVENT,
    )


def _url(item, action: str = "") -> str:
    return f"/api/v1/action-items/{item.pk}/" + (f"{action}/" if action else "")


def test_an_item_moves_open_in_progress_done_and_needs_verification(api_as, item, author):
    client = api_as(author)
    body = client.get(_url(item)).json()
    assert body["status"] == "open"
    assert body["allowed_actions"] == ["start", "wont_do"]
    assert body["overdue"] is False
    assert client.post(_url(item, "complete")).status_code == 409  # not started
    assert client.post(_url(item, "start")).json()["status"] == "in_progress"
    refused = client.post(_url(item, "complete"), {"verification": " "}, format="json")
    assert refused.status_code == 400
    assert "verification" in refused.json()
    done = client.post(
        _url(item, "complete"), {"verification": "Load test shows queries cut off at 2 s."}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["closed_at"] is not None
    assert done.json()["closed_by"]["username"] == "author"
    assert done.json()["verification"] == "Load test shows queries cut off at 2 s."
    assert client.patch(_url(item), {"title": "Changed"}, format="json").status_code == 409  # closed: frozen
    assert AuditEvent.objects.filter(action="actionitem.complete", object_id=str(item.pk)).exists()


def test_detect_items_may_be_done_without_verification_but_wont_do_needs_a_reason(api_as, postmortem, author):
    detect = services.action_item_create(
        actor=author, postmortem=postmortem, title="Alert on pool", kind=ActionItemKind.DETECT
    )
    client = api_as(author)
    client.post(_url(detect, "start"))
    assert client.post(_url(detect, "complete")).json()["status"] == "done"
    other = services.action_item_create(actor=author, postmortem=postmortem, title="Rewrite it all")
    assert client.post(_url(other, "wont_do"), {"reason": ""}, format="json").status_code == 400
    declined = client.post(_url(other, "wont_do"), {"reason": "Out of proportion."}, format="json")
    assert declined.json()["status"] == "wont_do"
    assert declined.json()["wont_do_reason"] == "Out of proportion."


def test_the_database_refuses_an_unverified_done_prevention_item(item):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(status=ActionItemStatus.DONE, closed_at=timezone.now())


def test_the_owner_may_move_their_own_item_but_not_edit_it(api_as, item, responder, teammate):
    assert api_as(teammate).post(_url(item, "start")).status_code == 403  # not theirs, not an author
    owner = api_as(responder)
    assert owner.post(_url(item, "start")).status_code == 200
    assert owner.patch(_url(item), {"title": "Mine now"}, format="json").status_code == 403
    assert owner.delete(_url(item)).status_code == 403


def test_version_conflicts_on_items(api_as, item, author):
    client = api_as(author)
    etag = client.get(_url(item))["ETag"]
    assert (
        client.patch(_url(item), {"priority": "critical"}, format="json", HTTP_IF_MATCH=etag).status_code
        == 200
    )
    assert client.patch(_url(item), {"priority": "low"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert client.post(_url(item, "start"), HTTP_IF_MATCH=etag).status_code == 412
    assert ActionItem.objects.get(pk=item.pk).priority == "critical"


def test_owner_and_incident_must_fit_the_postmortem(
    api_as, postmortem, author, outsider, restricted_resolved, resolved_incident
):
    client = api_as(author)
    base = {"postmortem": postmortem.pk, "title": "x"}
    assert (
        client.post(
            "/api/v1/action-items/", {**base, "incident": restricted_resolved.pk}, format="json"
        ).status_code
        == 400
    )
    ok = client.post("/api/v1/action-items/", {**base, "incident": resolved_incident.pk}, format="json")
    assert ok.status_code == 201
    assert ok.json()["incident_reference"] == resolved_incident.reference
    restricted = start_postmortem(author, [restricted_resolved])
    refused = client.post(
        "/api/v1/action-items/",
        {"postmortem": restricted.pk, "title": "x", "owner": outsider.pk},
        format="json",
    )
    assert refused.status_code == 400
    assert "owner" in refused.json()


def test_items_are_deleted_only_before_publication(api_as, postmortem, author, reviewer):
    client = api_as(author)
    scratch = services.action_item_create(actor=author, postmortem=postmortem, title="Typo")
    assert client.delete(_url(scratch)).status_code == 204
    make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    published_item = postmortem.action_items.get()
    assert client.delete(_url(published_item)).status_code == 409
    added_later = client.post(
        "/api/v1/action-items/", {"postmortem": postmortem.pk, "title": "Found in follow-up"}, format="json"
    )
    assert added_later.status_code == 201  # tracking continues after publication


def test_the_overdue_filter(api_as, postmortem, author):
    today = timezone.localdate()
    overdue_open = ActionItemFactory(postmortem=postmortem, due_date=today - timedelta(days=1))
    overdue_started = ActionItemFactory(
        postmortem=postmortem, due_date=today - timedelta(days=30), status=ActionItemStatus.IN_PROGRESS
    )
    ActionItemFactory(postmortem=postmortem, due_date=today)  # due today: not overdue yet
    ActionItemFactory(postmortem=postmortem, due_date=today + timedelta(days=3))
    ActionItemFactory(postmortem=postmortem, due_date=None)
    ActionItemFactory(
        postmortem=postmortem,
        due_date=today - timedelta(days=3),
        status=ActionItemStatus.WONT_DO,
        wont_do_reason="No.",
        closed_at=timezone.now(),
    )
    client = api_as(author)

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/action-items/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("overdue=true") == {overdue_open.pk, overdue_started.pk}
    assert len(ids("overdue=false")) == 4
    assert ids("") == ids("overdue=true") | ids("overdue=false")
    rows = client.get("/api/v1/action-items/?overdue=1").json()["results"]
    assert all(row["overdue"] for row in rows)


def test_the_other_filters_and_ordering(api_as, postmortem, author, reviewer, resolved_incident):
    today = timezone.localdate()
    other = start_postmortem(author, [resolved_incident])
    a = ActionItemFactory(postmortem=postmortem, owner=author, kind="prevent", priority="low", due_date=today)
    b = ActionItemFactory(
        postmortem=postmortem,
        owner=reviewer,
        kind="detect",
        priority="critical",
        due_date=today + timedelta(days=10),
        incident=resolved_incident,
    )
    c = ActionItemFactory(
        postmortem=other,
        owner=reviewer,
        kind="process",
        priority="high",
        due_date=today + timedelta(days=20),
        status=ActionItemStatus.IN_PROGRESS,
    )
    client = api_as(author)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/action-items/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("owner=me") == [a.pk]
    assert ids(f"owner={reviewer.pk}") == [b.pk, c.pk]
    assert ids("status=open") == [a.pk, b.pk]
    assert ids("status=open,in_progress") == [a.pk, b.pk, c.pk]
    assert ids("kind=prevent&kind=process") == [a.pk, c.pk]
    assert ids("priority=critical") == [b.pk]
    assert ids(f"due_after={(today + timedelta(days=1)).isoformat()}") == [b.pk, c.pk]
    assert ids(f"due_before={(today + timedelta(days=10)).isoformat()}") == [a.pk, b.pk]
    assert ids(f"postmortem={other.pk}") == [c.pk]
    assert ids(f"incident={resolved_incident.pk}") == [a.pk, b.pk, c.pk]
    assert ids("ordering=priority_rank") == [b.pk, c.pk, a.pk]
    assert ids("search=" + b.title) == [b.pk]
