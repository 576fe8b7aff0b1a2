"""Exercises: planned, conducted, written up, reported yearly; never in the KPIs."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from incidents import services
from incidents.choices import TimelineKind
from incidents.kpis import KpiFilters, incident_kpis
from incidents.models import Category, Exercise, IncidentTask, Severity
from portal.models import AuditEvent
from tests.incidents.factories_plan import (
    ExerciseFactory,
    PlaybookFactory,
    PlaybookTaskFactory,
    TeamFactory,
    cover,
)

EXERCISES = "/api/v1/exercises/"


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def ransomware_playbook(db):
    playbook = PlaybookFactory(
        name="Ransomware",
        category=Category.objects.get(slug="ransomware"),
        minimum_severity=Severity.objects.get(name="SEV2"),
    )
    PlaybookTaskFactory(playbook=playbook, title="Isolate the affected hosts")
    return playbook


def test_responders_plan_and_write_up_exercises(api_as, responder, teammate, ransomware_playbook, auditor):
    client = api_as(responder)
    scheduled = (timezone.now() + timedelta(days=30)).isoformat()
    created = client.post(
        EXERCISES,
        {
            "title": "Ransomware tabletop",
            "exercise_type": "tabletop",
            "scenario": "File shares encrypted on a Friday night.",
            "objectives": "Decide on isolation within 30 minutes.",
            "playbook": ransomware_playbook.pk,
            "participants": [responder.pk, teammate.pk],
            "external_participants": ["Ext. counsel (Smith LLP)"],
            "scheduled_for": scheduled,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    exercise = created.json()
    assert exercise["category"] == "ransomware"  # taken from the playbook
    assert exercise["is_conducted"] is False
    url = f"{EXERCISES}{exercise['id']}/"
    conducted = (timezone.now() - timedelta(hours=2)).isoformat()
    written = client.patch(
        url,
        {
            "conducted_at": conducted,
            "findings": "Backups were not tested.",
            "follow_up_actions": ["Test restores monthly"],
        },
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert written.status_code == 200, written.content
    assert written.json()["is_conducted"] is True
    assert written.json()["version"] == 2
    assert client.patch(url, {"findings": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert AuditEvent.objects.filter(action="exercise.updated", object_id=str(exercise["id"])).exists()
    assert api_as(auditor).get(url).status_code == 200
    assert api_as(auditor).patch(url, {"findings": "x"}, format="json").status_code == 403
    assert [e["id"] for e in api_as(auditor).get(f"{EXERCISES}?conducted=true").json()["results"]] == [
        exercise["id"]
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"exercise_type": "picnic"}, "exercise_type"),
        ({"scheduled_for": "2026-05-01T10:00:00"}, "scheduled_for"),
        ({"conducted_at": "2999-01-01T00:00:00Z"}, "conducted_at"),
        ({"scheduled_for": None}, "scheduled_for"),
        ({"follow_up_actions": "do things"}, "follow_up_actions"),
        ({"follow_up_actions": ["x" * 501]}, "follow_up_actions"),
        ({"external_participants": [""]}, "external_participants"),
        ({"scenario": "a\x00b"}, "scenario"),
        ({"participants": [10**30]}, "participants"),
        ({"incident": "INCIDENT"}, "incident"),
    ],
)
def test_bad_exercises_get_400_naming_the_field(api_as, responder, incident, body, field):
    body = {key: (incident.pk if value == "INCIDENT" else value) for key, value in body.items()}
    payload = {
        "title": "Drill",
        "exercise_type": "tabletop",
        "scenario": "Flood",
        "scheduled_for": timezone.now().isoformat(),
        **body,
    }
    response = api_as(responder).post(EXERCISES, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Exercise.objects.exists()


def test_starting_an_exercise_declares_a_practice_incident_that_follows_the_plan(
    api_as, responder, teammate, ransomware_playbook
):
    team = TeamFactory(name="Crisis team")
    cover(team, "incident-commander", teammate)
    exercise = ExerciseFactory(
        playbook=ransomware_playbook,
        team=team,
        conducted_at=None,
        scheduled_for=timezone.now() + timedelta(hours=1),
    )
    response = api_as(responder).post(f"{EXERCISES}{exercise.pk}/start/", {}, format="json")
    assert response.status_code == 200, response.content
    exercise.refresh_from_db()
    practice = exercise.incident
    assert practice.is_exercise is True
    assert practice.severity.name == "SEV2"
    assert practice.team == team
    assert practice.playbook == ransomware_playbook
    assert list(IncidentTask.objects.filter(incident=practice).values_list("title", flat=True)) == [
        "Isolate the affected hosts"
    ]
    assert practice.timeline.filter(kind=TimelineKind.DECLARED, text__startswith="Exercise declared").exists()
    assert response.json()["incident"] == {"id": practice.pk, "reference": practice.reference}
    assert api_as(responder).post(f"{EXERCISES}{exercise.pk}/start/", {}, format="json").status_code == 409


def test_exercises_stay_out_of_the_kpis(responder, compliance_officer, sev2, outage):
    real = services.incident_create(actor=responder, title="Real", severity=sev2, category=outage)
    drill = services.incident_create(
        actor=responder, title="Drill", severity=sev2, category=outage, is_exercise=True
    )
    ExerciseFactory(incident=drill)
    for incident in (real, drill):
        services.incident_acknowledge(incident=incident, actor=responder)
    counted = incident_kpis(compliance_officer, KpiFilters(categories=[], severities=[]))
    assert sum(row["incidents"] for row in counted) == 1
    asked = incident_kpis(
        compliance_officer, KpiFilters(categories=[], severities=[], include_exercises=True)
    )
    assert sum(row["incidents"] for row in asked) == 2


def test_an_exercise_run_through_a_restricted_incident_is_hidden_from_outsiders(
    api_as, outsider, responder, sev2, outage
):
    drill = services.incident_create(
        actor=responder,
        title="Insider drill",
        severity=sev2,
        category=outage,
        is_exercise=True,
        is_restricted=True,
    )
    hidden = ExerciseFactory(incident=drill)
    shown = ExerciseFactory()
    client = api_as(outsider)
    assert [e["id"] for e in client.get(EXERCISES).json()["results"]] == [shown.pk]
    assert client.get(f"{EXERCISES}{hidden.pk}/").status_code == 404
    assert (
        client.post(
            EXERCISES,
            {
                "title": "x",
                "exercise_type": "tabletop",
                "scenario": "y",
                "scheduled_for": timezone.now().isoformat(),
                "incident": drill.pk,
            },
            format="json",
        ).status_code
        == 400
    )
    assert api_as(responder).get(f"{EXERCISES}{hidden.pk}/").status_code == 200


@pytest.fixture
def year_of_exercises(responder, teammate, ransomware_playbook):
    team = TeamFactory(name="CSIRT")
    first = ExerciseFactory(
        title="Ransomware tabletop",
        playbook=ransomware_playbook,
        category=ransomware_playbook.category,
        team=team,
        scheduled_for=_at(2025, 3, 1),
        conducted_at=_at(2025, 3, 3),
        external_participants=["Ext. forensics <b>partner</b>"],
        findings="Isolation took 50 minutes, not 30.",
        follow_up_actions=["Pre-approve isolation", "Update runbook"],
    )
    first.participants.set([responder, teammate])
    ExerciseFactory(
        title="Flood drill",
        exercise_type="full_drill",
        scheduled_for=_at(2025, 9, 1),
        conducted_at=_at(2025, 9, 2),
        findings="Generators ran fine.",
        follow_up_actions=[],
    )
    ExerciseFactory(
        title="Phishing simulation",
        exercise_type="simulation",
        scheduled_for=_at(2025, 11, 20),
        conducted_at=None,
        findings="",
        follow_up_actions=[],
    )
    ExerciseFactory(title="Last year's drill", scheduled_for=_at(2024, 5, 1), conducted_at=_at(2024, 5, 1))


def test_the_yearly_report_shows_what_was_practised_by_whom_and_what_was_learned(
    api_as, auditor, year_of_exercises
):
    response = api_as(auditor).get(f"{EXERCISES}report/?year=2025")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["year"] == 2025
    assert [row["title"] for row in report["conducted"]] == ["Ransomware tabletop", "Flood drill"]
    assert [row["title"] for row in report["scheduled"]] == ["Phishing simulation"]
    assert report["summary"] == {
        "conducted": 2,
        "scheduled": 1,
        "by_type": {"Full drill": 1, "Tabletop exercise": 1},
        "categories_practised": ["Ransomware"],
        "playbooks_practised": ["Ransomware"],
        "teams_practised": ["CSIRT"],
        "participants": 3,
        "follow_up_actions": 2,
    }
    first = report["conducted"][0]
    assert len(first["participants"]) == 2
    assert first["follow_up_actions"] == ["Pre-approve isolation", "Update runbook"]


@pytest.mark.parametrize("year", ["1999", "2101", "next", "2025.5", "99999999999999999999"])
def test_the_report_refuses_a_bad_year(api_as, auditor, year):
    for suffix in ("", "pdf/"):
        response = api_as(auditor).get(f"{EXERCISES}report/{suffix}?year={year}")
        assert response.status_code == 400
        assert "year" in response.json()


def test_the_yearly_report_renders_as_pdf(api_as, auditor, year_of_exercises):
    response = api_as(auditor).get(f"{EXERCISES}report/pdf/?year=2025")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="exercise-report-2025.pdf"' in response["Content-Disposition"]
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())  # table cells may wrap
    assert "Exercise report 2025" in text
    assert "Ransomware tabletop" in text
    assert "Isolation took 50 minutes" in text
    assert "Pre-approve isolation" in text
    assert "Ext. forensics <b>partner</b>" in text  # escaped, shown as text
    assert "Phishing simulation" in text
    assert "Last year's drill" not in text
    assert AuditEvent.objects.filter(action="exercise.report_exported").exists()


def test_an_exercise_report_pdf_that_cannot_render_in_time_is_a_json_503(api_as, auditor, settings):
    settings.PDF_RENDER_TIMEOUT = 0.0001  # no renderer answers this fast
    response = api_as(auditor).get(f"{EXERCISES}report/pdf/?year=2025")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "try again" in response.json()["detail"]
    assert not AuditEvent.objects.filter(action="exercise.report_exported").exists()


def test_an_oversized_exercise_report_pdf_is_a_json_413(api_as, auditor, settings):
    settings.PDF_MAX_HTML_BYTES = 100
    response = api_as(auditor).get(f"{EXERCISES}report/pdf/?year=2025")
    assert response.status_code == 413
    assert "Shorten" in response.json()["detail"]
