"""The list endpoints cost the same number of queries for 5 rows as for 50."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from postmortems import services
from tests.postmortems.factories import ActionItemFactory, start_postmortem


def _queries(client, url: str, page_size: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{url}?page_size={page_size}")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == page_size
    return len(captured.captured_queries)


def test_the_postmortem_list_query_count_does_not_grow_with_the_page_size(
    api_as, author, reviewer, compliance_officer, resolved_incident, restricted_resolved
):
    for number in range(50):
        incidents = [resolved_incident, restricted_resolved] if number % 10 == 0 else [resolved_incident]
        postmortem = start_postmortem(author, incidents, reviewers=[reviewer])
        services.postmortem_update(
            postmortem=postmortem,
            actor=author,
            data={"whys": ["a", "b"], "contributing_factors": [{"category": "change", "description": "x"}]},
        )
        ActionItemFactory(postmortem=postmortem, owner=reviewer)
    client = api_as(compliance_officer)
    _queries(client, "/api/v1/postmortems/", 5)  # warm the per-request permission lookups alike
    assert _queries(client, "/api/v1/postmortems/", 5) == _queries(client, "/api/v1/postmortems/", 50) <= 10


def test_the_action_item_list_query_count_does_not_grow_with_the_page_size(
    api_as, author, postmortem, resolved_incident
):
    other = start_postmortem(author, [resolved_incident])
    for number in range(50):
        ActionItemFactory(postmortem=postmortem if number % 2 else other, incident=resolved_incident)
    client = api_as(author)
    _queries(client, "/api/v1/action-items/", 5)
    assert _queries(client, "/api/v1/action-items/", 5) == _queries(client, "/api/v1/action-items/", 50) <= 4
