"""Version conflicts (If-Match) and bad input: always 400/404/412/428, never a 500."""

from __future__ import annotations

import pytest

from postmortems.models import Postmortem


def _url(postmortem) -> str:
    return f"/api/v1/postmortems/{postmortem.pk}/"


def test_patch_without_if_match_is_428(api_as, postmortem, author):
    response = api_as(author).patch(_url(postmortem), {"title": "New"}, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert Postmortem.objects.get(pk=postmortem.pk).title != "New"


def test_a_stale_if_match_is_412_and_nothing_is_lost(api_as, postmortem, author, reviewer):
    first, second = api_as(author), api_as(reviewer)
    read = first.get(_url(postmortem))
    etag = read["ETag"]
    assert etag == f'"{postmortem.version}"'
    ok = first.patch(_url(postmortem), {"sections": {"summary": "Mine."}}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] == f'"{postmortem.version + 1}"'
    stale = second.patch(
        _url(postmortem), {"sections": {"summary": "Theirs."}}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert Postmortem.objects.get(pk=postmortem.pk).sections.get(key="summary").body == "Mine."
    garbage = first.patch(_url(postmortem), {"title": "x"}, format="json", HTTP_IF_MATCH="yesterday")
    assert garbage.status_code == 400


def test_an_unchanged_patch_keeps_the_version(api_as, postmortem, author):
    response = api_as(author).patch(
        _url(postmortem), {"title": postmortem.title}, format="json", HTTP_IF_MATCH=f'"{postmortem.version}"'
    )
    assert response.status_code == 200
    assert response.json()["version"] == postmortem.version


def test_publish_with_a_stale_version_is_412(api_as, postmortem, author, reviewer):
    client = api_as(author)
    client.post(f"{_url(postmortem)}submit_for_review/")
    response = api_as(reviewer).post(f"{_url(postmortem)}publish/", HTTP_IF_MATCH=f'"{postmortem.version}"')
    assert response.status_code == 412


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "bad\x00title"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({"sections": {"no_such_section": "text"}}, "sections"),
        ({"sections": {"summary": "nul\x00byte"}}, "sections"),
        ({"sections": ["summary"]}, "sections"),
        ({"whys": ["fine", ""]}, "whys"),
        ({"whys": ["why"] * 11}, "whys"),
        ({"whys": "not a list"}, "whys"),
        ({"contributing_factors": [{"category": "gremlins", "description": "x"}]}, "contributing_factors"),
        ({"contributing_factors": [{"category": "change"}]}, "contributing_factors"),
        ({"customers_affected": -1}, "customers_affected"),
        ({"owner": 10**30}, "owner"),
        ({"reviewers": ["me"]}, "reviewers"),
    ],
)
def test_bad_postmortem_input_is_400_naming_the_field(api_as, postmortem, author, body, field):
    response = api_as(author).patch(
        _url(postmortem), body, format="json", HTTP_IF_MATCH=f'"{postmortem.version}"'
    )
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_status_and_version_cannot_be_written_through_patch(api_as, postmortem, author):
    response = api_as(author).patch(
        _url(postmortem),
        {"status": "published", "version": 99, "title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=f'"{postmortem.version}"',
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["title"] == "Renamed"
    assert response.json()["version"] == postmortem.version + 1


def test_creation_input_is_checked(api_as, author, resolved_incident, restricted_incident):
    client = api_as(author)

    def create(**body):
        return client.post("/api/v1/postmortems/", body, format="json")

    assert "incidents" in create(incidents=[], template="standard").json()
    assert "incidents" in create(incidents=[restricted_incident.pk], template="standard").json()
    # The JSON parser names the member that no column can hold.
    assert "incidents" in create(incidents=[10**30], template="standard").json()
    assert "template" in create(incidents=[resolved_incident.pk], template="nope").json()
    assert "template" in create(incidents=[resolved_incident.pk], template=10**30).json()
    assert "title" in create(incidents=[resolved_incident.pk], template="standard", title="a\x00b").json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"occurred_at": "2026-01-01T10:00:00", "text": "naive"}, "occurred_at"),
        ({"occurred_at": "2026-13-45T10:00:00Z", "text": "bad"}, "occurred_at"),
        ({"occurred_at": "2999-01-01T10:00:00Z", "text": "future"}, "occurred_at"),
        ({"occurred_at": "2026-01-01T10:00:00Z", "text": "nul\x00"}, "text"),
        ({"occurred_at": "2026-01-01T10:00:00Z", "text": " "}, "text"),
        ({"occurred_at": "2026-01-01T10:00:00Z", "text": "x", "assessment": "rumour"}, "assessment"),
    ],
)
def test_bad_timeline_entries_are_400(api_as, postmortem, author, body, field):
    response = api_as(author).post(f"{_url(postmortem)}timeline/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=exploded", "status"),
        ("status=draft,exploded", "status"),
        ("ordering=password", "ordering"),
        ("owner=bob", "owner"),
        ("incident=abc", "incident"),
        ("created_after=2026-01-01T10:00:00", "created_after"),
    ],
)
def test_bad_postmortem_filters_are_400(api_as, postmortem, author, query, field):
    response = api_as(author).get(f"/api/v1/postmortems/?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=closed", "status"),
        ("kind=prevent,blame", "kind"),
        ("priority=urgent", "priority"),
        ("overdue=perhaps", "overdue"),
        ("due_after=tomorrow", "due_after"),
        ("due_before=2026-02-30", "due_before"),
        ("postmortem=99999999999999999999999", "postmortem"),
        ("owner=-1", "owner"),
        ("ordering=secret", "ordering"),
    ],
)
def test_bad_action_item_filters_are_400(api_as, author, query, field):
    response = api_as(author).get(f"/api/v1/action-items/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_nul_bytes_and_huge_ids_never_reach_the_database(api_as, postmortem, author):
    client = api_as(author)
    assert client.get("/api/v1/postmortems/?search=a%00b").status_code == 400
    assert client.get("/api/v1/action-items/?search=a%00b").status_code == 400
    assert client.get("/api/v1/postmortems/99999999999999999999999/").status_code == 404
    assert client.get("/api/v1/postmortems/999999999999999999/").status_code == 404
    assert client.get("/api/v1/postmortems/abc/pdf/").status_code == 404
    assert client.get("/api/v1/action-items/999999999999999999/").status_code == 404
    assert (
        client.patch(f"{_url(postmortem)}timeline/999999999999999999/", {}, format="json").status_code == 404
    )
    assert client.get("/api/v1/postmortems/?incident=999999999999999999").json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"due_date": "2026-01-01T10:00:00Z"}, "due_date"),
        ({"due_date": "next week"}, "due_date"),
        ({"priority": "urgent"}, "priority"),
        ({"kind": "blame"}, "kind"),
        ({"external_url": "javascript:alert(1)"}, "external_url"),
        ({"external_url": "file:///etc/passwd"}, "external_url"),
        ({"description": "nul\x00"}, "description"),
        ({"owner": 10**30}, "owner"),
        ({"incident": 10**30}, "incident"),
        ({"postmortem": 10**30}, "postmortem"),
    ],
)
def test_bad_action_item_input_is_400(api_as, postmortem, author, body, field):
    payload = {"postmortem": postmortem.pk, "title": "Fix it", **body}
    response = api_as(author).post("/api/v1/action-items/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
