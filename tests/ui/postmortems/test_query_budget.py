"""The post-mortem pages render in a number of queries that does not grow."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import roles
from postmortems import services
from tests.factories import IncidentFactory, UserFactory
from tests.postmortems.factories import ActionItemFactory, resolve, start_postmortem

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
