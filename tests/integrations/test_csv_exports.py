"""``?format=csv`` on the incident and action-item lists (issue 8)."""

from __future__ import annotations

import csv
import io

from portal.models import AuditEvent


def _rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_incidents_export_as_csv_with_the_same_filters(
    api_as, compliance_officer, incident, restricted_incident
):
    response = api_as(compliance_officer).get("/api/v1/incidents/?format=csv&is_restricted=false")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert [row["reference"] for row in rows] == [incident.reference]
    assert rows[0]["severity"] == "SEV2"
    assert rows[0]["status"] == "reported"
    assert AuditEvent.objects.filter(action="incidents.exported", actor=compliance_officer).exists()


def test_the_csv_export_never_shows_restricted_incidents_to_outsiders(
    api_as, outsider, incident, restricted_incident
):
    rows = _rows(api_as(outsider).get("/api/v1/incidents/?format=csv"))
    assert [row["reference"] for row in rows] == [incident.reference]


def test_action_items_export_as_csv(api_as, author, db):
    response = api_as(author).get("/api/v1/action-items/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("id,postmortem,incident,title,owner")
