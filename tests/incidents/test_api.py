from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.choices import IncidentStatus
from incidents.models import Category, Incident, Service, Severity
from tests.factories import IncidentFactory, RoleAssignmentFactory


def _declare(client, **overrides):
    body = {
        "title": "Card payments failing",
        "summary": "Acquirer returns timeouts.",
        "severity": Severity.objects.get(name="SEV1").pk,
        "category": Category.objects.get(slug="system-outage").pk,
        "detected_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        **overrides,
    }
    return client.post("/api/v1/incidents/", body, format="json")


def test_a_responder_declares_an_incident(api_as, responder):
    service = Service.objects.create(name="Payments API")
    response = _declare(api_as(responder), services=[service.pk])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("INC-")
    assert body["status"] == "reported"
    assert body["severity"]["name"] == "SEV1"
    assert body["services"] == [{"id": service.pk, "name": "Payments API"}]
    assert body["created_by"]["username"] == "responder"
    assert body["allowed_actions"] == ["acknowledge", "decline"]
    assert body["version"] == 1
    assert response["ETag"] == '"1"'


def test_status_cannot_be_written_through_crud(api_as, responder, incident):
    client = api_as(responder)
    response = client.patch(
        f"/api/v1/incidents/{incident.pk}/", {"status": "closed", "title": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "reported"
    assert response.json()["title"] == "Renamed"


def test_transition_actions_and_their_refusal(api_as, responder, incident):
    client = api_as(responder)
    url = f"/api/v1/incidents/{incident.pk}"
    assert client.post(f"{url}/contain/").status_code == 409
    refused = client.post(f"{url}/resolve/", {"note": "x"}, format="json")
    assert refused.status_code == 409
    assert "only possible from contained" in refused.json()["detail"]
    ok = client.post(f"{url}/acknowledge/", {"note": "On it."}, format="json")
    assert ok.status_code == 200
    assert ok.json()["status"] == "acknowledged"
    assert ok.json()["acknowledged_at"] is not None
    for action in ["contain", "resolve", "close", "reopen"]:
        assert client.post(f"{url}/{action}/").status_code == 200, action
    assert client.get(f"{url}/").json()["status"] == "acknowledged"
    assert client.post(f"{url}/decline/", {"note": ""}, format="json").status_code == 400


def test_transition_with_vendor_time(api_as, responder, incident):
    at = (incident.detected_at + timedelta(minutes=4)).isoformat()
    response = api_as(responder).post(
        f"/api/v1/incidents/{incident.pk}/acknowledge/", {"at": at}, format="json"
    )
    assert response.status_code == 200
    assert Incident.objects.get(pk=incident.pk).acknowledged_at == incident.detected_at + timedelta(minutes=4)


def test_if_match_protects_against_lost_updates(api_as, responder, incident):
    client = api_as(responder)
    url = f"/api/v1/incidents/{incident.pk}/"
    first = client.patch(url, {"title": "A"}, format="json", HTTP_IF_MATCH=f'"{incident.version}"')
    assert first.status_code == 200
    stale = client.patch(url, {"title": "B"}, format="json", HTTP_IF_MATCH=f'"{incident.version}"')
    assert stale.status_code == 412
    assert Incident.objects.get(pk=incident.pk).title == "A"
    assert client.patch(url, {"title": "C"}, format="json", HTTP_IF_MATCH="garbage").status_code == 400


def test_timeline_lists_and_adds_notes(api_as, responder, incident):
    client = api_as(responder)
    url = f"/api/v1/incidents/{incident.pk}/timeline/"
    added = client.post(url, {"text": "Rolled back release 2026.11.3"}, format="json")
    assert added.status_code == 201
    assert added.json()["kind"] == "note"
    listed = client.get(url).json()
    assert listed["results"][-1]["text"] == "Rolled back release 2026.11.3"
    assert {"id", "kind", "occurred_at", "created_at", "author", "text", "data"} <= set(listed["results"][0])
    assert client.post(url, {"text": "  "}, format="json").status_code == 400


def test_roles_can_be_handed_over_through_the_api(api_as, responder, teammate, incident):
    client = api_as(responder)
    url = f"/api/v1/incidents/{incident.pk}/roles/"
    response = client.post(url, {"role": "incident-commander", "user": teammate.pk}, format="json")
    assert response.status_code == 200
    assert {"role": "incident-commander", "user": "teammate"} in [
        {"role": r["role"], "user": r["user"]["username"]} for r in response.json()["roles"]
    ]
    history = client.get(url).json()["results"]
    assert {r["role"] for r in history} >= {"incident-commander", "scribe"}
    assert client.post(url, {"role": "nope", "user": teammate.pk}, format="json").status_code == 400


def test_who_may_write(api_as, author, auditor, compliance_officer, incident):
    for user in (author, auditor, compliance_officer):
        client = api_as(user)
        assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
        assert _declare(client).status_code == 403
        assert client.post(f"/api/v1/incidents/{incident.pk}/acknowledge/").status_code == 403
        assert (
            client.post(
                f"/api/v1/incidents/{incident.pk}/timeline/", {"text": "x"}, format="json"
            ).status_code
            == 403
        )


def test_a_user_without_a_role_sees_nothing(api_as, nobody, incident):
    client = api_as(nobody)
    assert client.get("/api/v1/incidents/").status_code == 403
    assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 403


def test_filters_search_and_ordering(api_as, compliance_officer, responder):
    sev1, sev3 = Severity.objects.get(name="SEV1"), Severity.objects.get(name="SEV3")
    now = timezone.now()
    a = IncidentFactory(title="Database failover", severity=sev1, detected_at=now - timedelta(days=1))
    b = IncidentFactory(
        title="Phishing wave", severity=sev3, detected_at=now - timedelta(days=2), is_exercise=True
    )
    c = IncidentFactory(
        title="Ledger drift", severity=sev1, detected_at=now - timedelta(days=3), status="contained"
    )
    client = api_as(compliance_officer)

    def refs(query: str) -> list[str]:
        response = client.get(f"/api/v1/incidents/?{query}")
        assert response.status_code == 200, response.content
        return [r["reference"] for r in response.json()["results"]]

    assert refs("severity=SEV1") == [a.reference, c.reference]
    assert refs(f"severity=SEV3&severity={sev1.pk}") == [a.reference, b.reference, c.reference]
    assert refs("status=reported,contained&severity=SEV1") == [a.reference, c.reference]
    assert refs("status=contained") == [c.reference]
    assert refs("is_exercise=true") == [b.reference]
    assert refs("search=phishing") == [b.reference]
    assert refs(f"search={c.reference}") == [c.reference]
    assert refs("ordering=detected_at") == [c.reference, b.reference, a.reference]
    assert refs("ordering=-severity__rank,title")[0] == b.reference
    after = (now - timedelta(days=2, hours=1)).isoformat().replace("+00:00", "Z")
    assert refs(f"detected_at_after={after}") == [a.reference, b.reference]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=exploded", "status"),
        ("ordering=password", "ordering"),
        ("detected_at_after=yesterday", "detected_at_after"),
        ("detected_at_after=2026-01-01T10:00:00", "detected_at_after"),
    ],
)
def test_bad_query_parameters_get_400_naming_the_field(api_as, compliance_officer, query, field):
    response = api_as(compliance_officer).get(f"/api/v1/incidents/?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "bad\x00title"}, "title"),
        ({"detected_at": "2026-13-45T99:00:00Z"}, "detected_at"),
        ({"detected_at": "2026-01-01T10:00:00"}, "detected_at"),
        ({"severity": 10**30}, "severity"),
        ({"severity": "SEV1"}, "severity"),
        ({"is_restricted": "perhaps"}, "is_restricted"),
        ({"title": "x" * 201}, "title"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"detected_at": "2999-01-01T00:00:00Z"}, "detected_at"),
    ],
)
def test_bad_input_gets_400_naming_the_field(api_as, responder, body, field):
    response = _declare(api_as(responder), **body)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_nul_bytes_in_the_query_are_refused(api_as, compliance_officer):
    response = api_as(compliance_officer).get("/api/v1/incidents/?search=a%00b")
    assert response.status_code == 400


def test_huge_or_malformed_ids_are_404_not_500(api_as, compliance_officer):
    client = api_as(compliance_officer)
    assert client.get("/api/v1/incidents/99999999999999999999999/").status_code == 404
    assert client.get("/api/v1/incidents/999999999999999999/").status_code == 404
    assert client.get("/api/v1/incidents/abc/").status_code == 404
    assert client.get("/api/v1/incidents/?category=99999999999999999999").status_code == 200


def test_page_size_is_capped(api_as, compliance_officer):
    IncidentFactory.create_batch(3)
    response = api_as(compliance_officer).get("/api/v1/incidents/?page_size=100000")
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_the_list_query_count_does_not_grow_with_the_page_size(api_as, compliance_officer, responder):
    incidents = IncidentFactory.create_batch(50)
    for incident in incidents:
        RoleAssignmentFactory(incident=incident, user=responder)
        incident.services.add(Service.objects.get_or_create(name=f"svc-{incident.pk % 3}")[0])
    client = api_as(compliance_officer)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/incidents/?page_size={page_size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        return len(captured.captured_queries)

    queries(5)  # warm the per-request permission lookups alike for both measurements
    assert queries(5) == queries(50) <= 8


def test_config_endpoints_are_readable_by_all_and_writable_by_admins(api_as, responder, admin_user):
    assert [s["name"] for s in api_as(responder).get("/api/v1/severities/").json()["results"]] == [
        "SEV1",
        "SEV2",
        "SEV3",
        "SEV4",
    ]
    assert api_as(responder).post("/api/v1/services/", {"name": "CRM"}, format="json").status_code == 403
    created = api_as(admin_user).post("/api/v1/services/", {"name": "CRM", "tier": 2}, format="json")
    assert created.status_code == 201
    assert (
        api_as(admin_user).delete(f"/api/v1/severities/{Severity.objects.get(name='SEV4').pk}/").status_code
        == 204
    )


def test_a_severity_in_use_cannot_be_deleted(api_as, admin_user, incident):
    response = api_as(admin_user).delete(f"/api/v1/severities/{incident.severity_id}/")
    assert response.status_code == 409


def test_users_endpoint_for_pickers(api_as, responder, teammate):
    body = api_as(responder).get("/api/v1/users/?search=team").json()
    assert [u["username"] for u in body["results"]] == ["teammate"]
    assert set(body["results"][0]) == {"id", "username", "name"}


def test_admins_may_delete_an_incident_without_evidence(api_as, admin_user, incident, responder):
    assert api_as(responder).delete(f"/api/v1/incidents/{incident.pk}/").status_code == 403
    assert api_as(admin_user).delete(f"/api/v1/incidents/{incident.pk}/").status_code == 204


def test_declared_incident_is_acknowledged_then_shows_allowed_actions(api_as, responder, incident):
    services.incident_acknowledge(incident=incident, actor=responder)
    body = api_as(responder).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["status"] == IncidentStatus.ACKNOWLEDGED
    assert body["allowed_actions"] == ["contain", "decline"]
