"""The hand-written incident representation is the DRF one, byte for byte, and the list
costs the same number of queries for every page and page size."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from incidents.api.serializers import IncidentSerializer
from incidents.models import Category, Incident, IncidentRole, Service, Severity
from incidents.selectors import incident_list
from tests.factories import IncidentFactory, RoleAssignmentFactory, UserFactory
from tests.incidents.factories_plan import PlaybookFactory, TeamFactory


@pytest.fixture
def varied(responder, teammate):
    """Incidents with every optional part present and absent."""
    nameless = UserFactory(first_name="", last_name="")
    named = UserFactory(first_name="Zoë", last_name="O'Brien \u2013 «ops»")
    team, playbook = TeamFactory(), PlaybookFactory()
    services = [Service.objects.create(name=f"svc {n} \u00e9", tier=n % 4 + 1) for n in range(3)]
    roles = list(IncidentRole.objects.all())
    now = timezone.now().replace(microsecond=123456)
    statuses = ["reported", "acknowledged", "contained", "resolved", "closed", "declined"]
    for n, status in enumerate(statuses * 3):
        detected = now - timedelta(days=n, hours=n)
        incident = IncidentFactory(
            title=f'Quote " backslash \\ emoji \U0001f525 {n}',
            summary="" if n % 2 else "Line one\nline two\ttab </script>",
            impact="",
            status=status,
            severity=Severity.objects.order_by("rank")[n % 4],
            category=Category.objects.order_by("pk")[n % 3],
            detected_at=detected,
            occurred_at=None if n % 3 == 0 else detected - timedelta(minutes=n, microseconds=1),
            aware_at=None if n % 2 else detected + timedelta(seconds=n),
            acknowledged_at=detected + timedelta(minutes=5) if status != "reported" else None,
            resolved_at=detected.replace(microsecond=0) + timedelta(hours=1)
            if status in ("resolved", "closed")
            else None,
            is_restricted=n % 4 == 1,
            is_exercise=n % 5 == 2,
            team=team if n % 2 else None,
            playbook=playbook if n % 3 == 1 else None,
            created_by=[responder, nameless, named][n % 3],
        )
        incident.services.set(services[: n % 4])
        for index in range(n % 3):
            RoleAssignmentFactory(
                incident=incident, role=roles[index], user=[teammate, named, nameless][index]
            )
        if n % 4 == 3:
            RoleAssignmentFactory(incident=incident, role=roles[-1], user=teammate, ended_at=now)


def _reference(incident: Incident) -> dict:
    """What DRF's declared fields produce, through the generic Serializer.to_representation."""
    return serializers.Serializer.to_representation(IncidentSerializer(), incident)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Asia/Kolkata"])
def test_the_hand_written_rows_are_byte_identical_to_drf(varied, compliance_officer, zone):
    renderer = JSONRenderer()
    with timezone.override(ZoneInfo(zone)):
        incidents = list(incident_list(compliance_officer).order_by("pk"))
        assert len(incidents) == 18
        fast = renderer.render(IncidentSerializer(incidents, many=True).data)
        slow = renderer.render([_reference(incident) for incident in incidents])
        assert fast == slow
        # Also without the prefetched role holders (a single incident read another way).
        bare = Incident.objects.get(pk=incidents[3].pk)
        assert renderer.render(IncidentSerializer(bare).data) == renderer.render(_reference(bare))


def test_the_api_list_and_detail_answer_the_drf_bytes(varied, api_as, compliance_officer, responder):
    for user in (compliance_officer, responder):
        client = api_as(user)
        response = client.get("/api/v1/incidents/?page_size=200&ordering=detected_at")
        visible = {i.pk: i for i in incident_list(user)}
        expected = [_reference(visible[row["id"]]) for row in response.json()["results"]]
        assert JSONRenderer().render(response.json()["results"]) == JSONRenderer().render(expected)
        detail = client.get(f"/api/v1/incidents/{expected[1]['id']}/")
        assert detail.content == JSONRenderer().render(_reference(visible[expected[1]["id"]]))


def test_the_list_costs_the_same_queries_for_every_page_and_page_size(varied, api_as, compliance_officer):
    IncidentFactory.create_batch(30)
    client = api_as(compliance_officer)
    client.get("/api/v1/incidents/?page_size=1")  # warm the per-request permission lookups

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert response.json()["results"]
        return len(captured.captured_queries)

    counts = {
        url: queries(url)
        for url in [
            "/api/v1/incidents/?page_size=1",
            "/api/v1/incidents/?page_size=7&page=3",
            "/api/v1/incidents/?page_size=50",
            "/api/v1/incidents/?page_size=200",
            "/api/v1/incidents/?page_size=20&page=3",
            "/api/v1/incidents/?status=acknowledged&status=contained&ordering=-detected_at&page_size=50",
        ]
    }
    # The API client authenticates without a session: COUNT, the page, services, role holders
    # (a session-signed request adds the four auth queries, 8 in all).
    assert set(counts.values()) == {4}, counts
