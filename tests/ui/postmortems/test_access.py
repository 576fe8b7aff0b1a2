"""Who reaches which post-mortem page: the same rules as the API, restricted incidents 404."""

from __future__ import annotations

import pytest

from incidents import services as incident_services
from incidents.models import IncidentRole
from portal import roles
from postmortems import services
from postmortems.choices import ActionItemStatus, PostmortemStatus
from postmortems.models import ActionItem
from tests.factories import UserFactory
from tests.postmortems.factories import resolve, start_postmortem
from tests.ui.postmortems.helpers import body_of

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
    editor = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert 'name="section_summary"' in editor
    assert "Submit for review" in editor
    assert "Add an action item" in editor
    assert f"/postmortems/{postmortem.pk}/export/pdf/" in editor
    assert f"/postmortems/{postmortem.pk}/export/markdown/" in editor

    client = logged_in(auditor)
    reader = body_of(client.get(f"/postmortems/{postmortem.pk}/"))
    assert 'name="section_summary"' not in reader
    assert "Submit for review" not in reader
    assert "Add an action item" not in reader
    assert "Not written yet." in reader
    assert f"/postmortems/{postmortem.pk}/export/pdf/" in reader
    assert client.post(f"/postmortems/{postmortem.pk}/", {"title": "Hijacked"}).status_code == 403
    assert (
        client.post(f"/postmortems/{postmortem.pk}/timeline/{entry.pk}/", {"is_starred": "1"}).status_code
        == 403
    )
    assert client.post(f"/postmortems/{postmortem.pk}/action-items/", {"item-title": "x"}).status_code == 403
    assert client.post(f"/postmortems/{postmortem.pk}/transition/submit_for_review/").status_code == 403
    assert client.post(f"/action-items/{item.pk}/", {"action": "edit", "item-title": "x"}).status_code == 403
    assert "Start work" not in body_of(client.get(f"/action-items/{item.pk}/"))
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
    body = body_of(logged_in(reviewer).get(f"/postmortems/{postmortem.pk}/?view=read"))
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
    assert hidden.reference not in body_of(client.get("/postmortems/"))
    assert "Rotate the HR share keys" not in body_of(client.get("/action-items/"))
    assert restricted_incident.reference not in body_of(client.get("/postmortems/"))
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
    assert restricted_incident.reference not in body_of(author_client.get("/postmortems/new/"))
    assert logged_in(reviewer).get(f"/postmortems/{hidden.pk}/").status_code == 200
