"""A restricted incident does not exist for anyone outside its response team,
except compliance officers and administrators: 404 everywhere."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents import services
from incidents.kpis import KpiFilters, incident_kpis
from incidents.models import IncidentRole
from incidents.selectors import incidents_visible_to


def _urls(incident) -> list[str]:
    base = f"/api/v1/incidents/{incident.pk}"
    return [f"{base}/", f"{base}/timeline/", f"{base}/evidence/", f"{base}/roles/"]


def test_outsiders_get_404_on_every_route(api_as, outsider, auditor, author, restricted_incident, responder):
    evidence = services.evidence_add(
        incident=restricted_incident,
        actor=responder,
        upload=SimpleUploadedFile("notes.txt", b"interview notes\n"),
    )
    for user in (outsider, auditor, author):
        client = api_as(user)
        for url in [
            *_urls(restricted_incident),
            f"/api/v1/incidents/{restricted_incident.pk}/evidence/{evidence.pk}/download/",
        ]:
            assert client.get(url).status_code == 404, (user.username, url)
        for action in ["acknowledge", "decline"]:
            assert client.post(f"/api/v1/incidents/{restricted_incident.pk}/{action}/").status_code in (
                403,
                404,
            )
        assert client.patch(
            f"/api/v1/incidents/{restricted_incident.pk}/", {"title": "x"}, format="json"
        ).status_code in (403, 404)


def test_outsiders_do_not_find_it_in_lists_or_search(api_as, outsider, restricted_incident, incident):
    client = api_as(outsider)
    listed = [r["reference"] for r in client.get("/api/v1/incidents/").json()["results"]]
    assert listed == [incident.reference]
    assert client.get(f"/api/v1/incidents/?search={restricted_incident.reference}").json()["count"] == 0
    assert client.get("/api/v1/incidents/?is_restricted=true").json()["count"] == 0


def test_the_response_team_compliance_and_admins_see_it(
    api_as, responder, teammate, compliance_officer, admin_user, restricted_incident
):
    for user in (responder, teammate, compliance_officer, admin_user):
        client = api_as(user)
        for url in _urls(restricted_incident):
            assert client.get(url).status_code == 200, (user.username, url)


def test_leaving_the_team_removes_access(api_as, teammate, responder, restricted_incident):
    services.incident_assign_role(
        incident=restricted_incident, role=IncidentRole.objects.get(slug="scribe"), user=None, actor=responder
    )
    assert api_as(teammate).get(f"/api/v1/incidents/{restricted_incident.pk}/").status_code == 404


def test_joining_the_team_grants_access(api_as, outsider, responder, restricted_incident):
    services.incident_assign_role(
        incident=restricted_incident,
        role=IncidentRole.objects.get(slug="technical-lead"),
        user=outsider,
        actor=responder,
    )
    assert api_as(outsider).get(f"/api/v1/incidents/{restricted_incident.pk}/").status_code == 200


@pytest.mark.parametrize("include", [False, True])
def test_kpis_leave_out_what_the_reader_cannot_see(
    outsider, compliance_officer, restricted_incident, incident, include
):
    filters = KpiFilters(categories=[], severities=[], include_exercises=include)
    outsider_total = sum(row["incidents"] for row in incident_kpis(outsider, filters))
    officer_total = sum(row["incidents"] for row in incident_kpis(compliance_officer, filters))
    assert outsider_total == 1
    assert officer_total == 2


def test_the_selector_does_not_duplicate_rows_for_several_roles(outsider, responder, restricted_incident):
    for slug in ["technical-lead", "communications-lead"]:
        services.incident_assign_role(
            incident=restricted_incident,
            role=IncidentRole.objects.get(slug=slug),
            user=outsider,
            actor=responder,
        )
    assert list(incidents_visible_to(outsider)) == [restricted_incident]
