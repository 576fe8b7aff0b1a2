from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from incidents.models import Severity
from tests.factories import IncidentFactory


def _incident(detected, **stamps):
    return IncidentFactory(
        detected_at=detected,
        occurred_at=detected - timedelta(minutes=stamps.pop("ttd", 10)),
        **{k: detected + timedelta(minutes=v) for k, v in stamps.items()},
    )


def test_kpis_are_averages_per_month_and_severity(api_as, compliance_officer):
    base = timezone.now().replace(day=10, hour=12, minute=0, second=0, microsecond=0) - timedelta(days=40)
    _incident(base, ttd=10, acknowledged_at=5, contained_at=30, resolved_at=60)
    _incident(base + timedelta(hours=1), ttd=30, acknowledged_at=15, contained_at=90, resolved_at=180)
    _incident(base + timedelta(hours=2), ttd=20)  # still open: counted, no response stamps
    IncidentFactory(detected_at=base, is_exercise=True, acknowledged_at=base + timedelta(minutes=1))
    IncidentFactory(detected_at=base, status="declined")
    response = api_as(compliance_officer).get("/api/v1/kpis/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows == [
        {
            "month": base.strftime("%Y-%m"),
            "severity": "SEV2",
            "incidents": 3,
            "mttd_seconds": 1200.0,
            "mtta_seconds": 600.0,
            "mttc_seconds": 3600.0,
            "mttr_seconds": 7200.0,
        }
    ]


def test_kpis_can_include_exercises_and_filter(api_as, compliance_officer):
    now = timezone.now() - timedelta(hours=5)
    IncidentFactory(detected_at=now, is_exercise=True)
    IncidentFactory(detected_at=now, severity=Severity.objects.get(name="SEV1"))
    client = api_as(compliance_officer)
    assert sum(r["incidents"] for r in client.get("/api/v1/kpis/").json()["results"]) == 1
    assert (
        sum(r["incidents"] for r in client.get("/api/v1/kpis/?include_exercises=true").json()["results"]) == 2
    )
    only_sev1 = client.get("/api/v1/kpis/?severity=SEV1&include_exercises=true").json()["results"]
    assert [r["severity"] for r in only_sev1] == ["SEV1"]
    assert client.get("/api/v1/kpis/?category=ransomware").json()["results"] == []
    later = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/kpis/", {"detected_after": later}).json()["results"] == []


def test_kpi_filters_refuse_bad_input(api_as, compliance_officer):
    client = api_as(compliance_officer)
    assert client.get("/api/v1/kpis/?detected_after=2026-01-01T00:00:00").status_code == 400
    assert client.get("/api/v1/kpis/?include_exercises=maybe").status_code == 400
