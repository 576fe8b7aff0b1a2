"""Restricted incidents keep their post-mortems restricted: 404 on every route, absent from lists."""

from __future__ import annotations

import pytest

from incidents.models import IncidentRole, RoleAssignment
from portal import roles
from postmortems import services
from postmortems.selectors import postmortems_visible_to
from tests.factories import UserFactory
from tests.postmortems.factories import start_postmortem


@pytest.fixture
def restricted_pm(author, restricted_resolved):
    postmortem = start_postmortem(author, [restricted_resolved])
    services.action_item_create(actor=author, postmortem=postmortem, title="Tighten DLP rules", owner=author)
    return postmortem


def test_outsiders_get_404_on_every_route_of_a_restricted_postmortem(api_as, outsider, restricted_pm):
    client = api_as(outsider)
    base = f"/api/v1/postmortems/{restricted_pm.pk}"
    item = restricted_pm.action_items.get()
    entry = restricted_pm.timeline_entries.first()
    for method, url in [
        ("get", f"{base}/"),
        ("get", f"{base}/pdf/"),
        ("get", f"{base}/markdown/"),
        ("get", f"{base}/timeline/"),
        ("get", f"{base}/revisions/"),
        ("post", f"{base}/publish/"),
        ("get", f"/api/v1/action-items/{item.pk}/"),
        ("post", f"/api/v1/action-items/{item.pk}/start/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    # An author outside the response team may write post-mortems, but not this one: 404 too.
    writer = api_as(UserFactory(username="outside-author", role=roles.POSTMORTEM_AUTHOR))
    for method, url in [
        ("patch", f"{base}/"),
        ("patch", f"{base}/timeline/{entry.pk}/"),
        ("post", f"{base}/submit_for_review/"),
        ("delete", f"{base}/"),
        ("patch", f"/api/v1/action-items/{item.pk}/"),
        ("delete", f"/api/v1/action-items/{item.pk}/"),
    ]:
        assert getattr(writer, method)(url).status_code == 404, url
    created = writer.post(
        "/api/v1/action-items/", {"postmortem": restricted_pm.pk, "title": "x"}, format="json"
    )
    assert created.status_code == 400
    assert "postmortem" in created.json()


def test_outsiders_do_not_find_it_or_its_items_in_lists(api_as, outsider, restricted_pm, postmortem):
    client = api_as(outsider)
    assert [row["id"] for row in client.get("/api/v1/postmortems/").json()["results"]] == [postmortem.pk]
    assert client.get(f"/api/v1/action-items/?postmortem={restricted_pm.pk}").json()["count"] == 0
    assert client.get("/api/v1/action-items/").json()["count"] == 0
    assert client.get("/api/v1/postmortems/?search=insider").json()["count"] == 0
    created = client.post(
        "/api/v1/action-items/", {"postmortem": restricted_pm.pk, "title": "x"}, format="json"
    )
    assert created.status_code == 403  # outsiders are responders: they cannot write items at all


def test_the_response_team_compliance_and_admins_see_it(
    api_as, restricted_pm, author, teammate, compliance_officer, admin_user
):
    for user in (author, teammate, compliance_officer, admin_user):
        assert api_as(user).get(f"/api/v1/postmortems/{restricted_pm.pk}/").status_code == 200, user
    exported = api_as(teammate).get(f"/api/v1/postmortems/{restricted_pm.pk}/markdown/").content.decode()
    assert "> **Restricted.**" in exported


def test_one_restricted_incident_hides_a_postmortem_covering_several(
    author, outsider, resolved_incident, restricted_resolved
):
    both = start_postmortem(author, [resolved_incident, restricted_resolved])
    public = start_postmortem(author, [resolved_incident])
    assert set(postmortems_visible_to(outsider)) == {public}
    assert both in postmortems_visible_to(author)


def test_leaving_the_response_team_removes_access(api_as, restricted_pm, author, responder):
    url = f"/api/v1/postmortems/{restricted_pm.pk}/"
    assert api_as(author).get(url).status_code == 200
    RoleAssignment.objects.filter(
        incident__in=restricted_pm.incidents.all(),
        user=author,
        role=IncidentRole.objects.get(slug="technical-lead"),
    ).update(ended_at=restricted_pm.created_at)
    assert api_as(author).get(url).status_code == 404


def test_a_user_without_a_role_sees_nothing(api_as, nobody, postmortem):
    client = api_as(nobody)
    assert client.get("/api/v1/postmortems/").status_code == 403
    assert client.get(f"/api/v1/postmortems/{postmortem.pk}/").status_code == 403
    assert client.get("/api/v1/action-items/").status_code == 403
    assert client.get("/api/v1/postmortem-kpis/").status_code == 403


def test_anonymous_callers_are_refused(client, postmortem):
    for url in ["/api/v1/postmortems/", "/api/v1/action-items/", "/api/v1/postmortem-templates/"]:
        assert client.get(url).status_code in (401, 403)
