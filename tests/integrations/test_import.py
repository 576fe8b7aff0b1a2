"""``manage.py import_incidents``: check first, all or nothing, re-runs add nothing, times kept."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from incidents.choices import IncidentStatus
from incidents.models import Incident, Service, TimelineEvent
from integrations.models import ImportedIncident
from portal.models import AuditEvent

HEADER = [
    "reference",
    "title",
    "summary",
    "category",
    "severity",
    "status",
    "occurred_at",
    "detected_at",
    "aware_at",
    "acknowledged_at",
    "contained_at",
    "resolved_at",
    "closed_at",
    "declined_at",
    "decline_reason",
    "restricted",
    "exercise",
    "services",
]

GOOD = [
    {
        "reference": "LEGACY-101",
        "title": "Core banking batch failed",
        "summary": "Overnight postings delayed.",
        "category": "system-outage",
        "severity": "SEV2",
        "status": "closed",
        "occurred_at": "2024-03-01T01:50:00+01:00",
        "detected_at": "2024-03-01T02:00:00+01:00",
        "acknowledged_at": "2024-03-01T02:10:00+01:00",
        "contained_at": "2024-03-01T03:00:00+01:00",
        "resolved_at": "2024-03-01T05:00:00+01:00",
        "closed_at": "2024-03-04T12:00:00+01:00",
        "services": "Ledger",
    },
    {
        "reference": "LEGACY-102",
        "title": "Phishing wave",
        "category": "Data breach",
        "severity": "sev1",
        "resolved_at": "2024-05-02T18:00:00Z",
        "detected_at": "2024-05-02T09:00:00Z",
        "aware_at": "2024-05-02T10:00:00Z",
        "restricted": "yes",
    },
    {
        "reference": "LEGACY-103",
        "title": "False alarm from the WAF",
        "category": "system-outage",
        "severity": "SEV4",
        "status": "declined",
        "detected_at": "2024-06-01T09:00:00Z",
        "declined_at": "2024-06-01T09:30:00Z",
        "decline_reason": "A scanner we commissioned.",
        "exercise": "false",
    },
]


def write_csv(tmp_path: Path, rows: list[dict[str, str]], name: str = "incidents.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_incidents", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ledger(db):
    return Service.objects.create(name="Ledger")


def test_a_good_file_is_imported_with_its_times_and_statuses_through_the_services(tmp_path, ledger):
    output = run(write_csv(tmp_path, GOOD))
    assert "3 row(s): 3 created, 0 already imported." in output
    closed = ImportedIncident.objects.get(source_reference="LEGACY-101").incident
    assert closed.reference.startswith("INC-2024-")
    assert closed.status == IncidentStatus.CLOSED
    assert closed.detected_at == datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
    assert closed.occurred_at == datetime(2024, 3, 1, 0, 50, tzinfo=UTC)
    assert closed.acknowledged_at == datetime(2024, 3, 1, 1, 10, tzinfo=UTC)
    assert closed.contained_at == datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
    assert closed.resolved_at == datetime(2024, 3, 1, 4, 0, tzinfo=UTC)
    assert closed.closed_at == datetime(2024, 3, 4, 11, 0, tzinfo=UTC)
    assert closed.created_at == closed.detected_at
    assert [s.name for s in closed.services.all()] == ["Ledger"]
    actions = list(
        AuditEvent.objects.filter(object_id=str(closed.pk), action__startswith="incident.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "incident.created",
        "incident.acknowledge",
        "incident.contain",
        "incident.resolve",
        "incident.close",
    ]
    assert AuditEvent.objects.filter(object_id=str(closed.pk)).first().actor_username == "incident-import"


def test_missing_intermediate_stamps_take_the_next_known_time(tmp_path, ledger):
    run(write_csv(tmp_path, GOOD))
    phishing = ImportedIncident.objects.get(source_reference="LEGACY-102").incident
    resolved = datetime(2024, 5, 2, 18, 0, tzinfo=UTC)
    assert phishing.status == IncidentStatus.RESOLVED  # derived from the stamps
    assert phishing.acknowledged_at == phishing.contained_at == phishing.resolved_at == resolved
    assert phishing.is_restricted
    assert phishing.severity.name == "SEV1"
    assert phishing.category.slug == "data-breach"
    declined = ImportedIncident.objects.get(source_reference="LEGACY-103").incident
    assert declined.status == IncidentStatus.DECLINED
    assert TimelineEvent.objects.filter(
        incident=declined, text__contains="A scanner we commissioned."
    ).exists()


def test_running_the_same_file_again_creates_nothing(tmp_path, ledger):
    path = write_csv(tmp_path, GOOD)
    run(path)
    output = run(path)
    assert "3 row(s): 0 created, 3 already imported." in output
    assert "skipped: already imported as INC-2024-" in output
    assert Incident.objects.count() == 3


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path, ledger):
    audit_before = AuditEvent.objects.count()
    output = run(write_csv(tmp_path, GOOD), "--dry-run")
    assert "would create" in output
    assert "Dry run: nothing was written." in output
    assert not Incident.objects.exists()
    assert not ImportedIncident.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_one_bad_row_imports_nothing_and_the_report_names_every_problem(tmp_path, ledger):
    rows = [
        *GOOD,
        {
            "reference": "LEGACY-104",
            "title": "",
            "category": "nope",
            "severity": "SEV9",
            "detected_at": "2024-01-01",
        },
        {
            "reference": "LEGACY-101",
            "title": "Duplicate",
            "category": "system-outage",
            "severity": "SEV2",
            "detected_at": "2024-01-01T00:00:00Z",
        },
        {
            "reference": "LEGACY-105",
            "title": "Backwards",
            "category": "system-outage",
            "severity": "SEV2",
            "detected_at": "2024-01-01T10:00:00Z",
            "acknowledged_at": "2024-01-01T12:00:00Z",
            "resolved_at": "2024-01-01T11:00:00Z",
            "status": "resolved",
        },
        {
            "reference": "LEGACY-106",
            "title": "Future",
            "category": "system-outage",
            "severity": "SEV2",
            "detected_at": "2999-01-01T00:00:00Z",
        },
        {
            "reference": "LEGACY-107",
            "title": "Declined without reason",
            "category": "system-outage",
            "severity": "SEV2",
            "detected_at": "2024-01-01T00:00:00Z",
            "status": "declined",
            "declined_at": "2024-01-01T01:00:00Z",
        },
    ]
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_incidents", str(write_csv(tmp_path, rows)), stdout=out)
    assert raised.value.returncode == 2
    report = out.getvalue()
    assert "row     5  LEGACY-104  ERROR: title is required. category 'nope' is unknown." in report
    assert "severity 'SEV9' is unknown" in report
    assert "needs a time-zone offset" in report
    assert "appears more than once" in report
    assert "is before the step before it" in report
    assert "detected_at is in the future" in report
    assert "decline_reason is required" in report
    assert "row     2  LEGACY-101  ok" in report
    assert not Incident.objects.exists()


def test_awareness_before_detection_refuses_the_file_before_anything_is_written(tmp_path, ledger):
    rows = [
        GOOD[0],
        {
            "reference": "LEGACY-108",
            "title": "Aware before detection",
            "category": "system-outage",
            "severity": "SEV2",
            "detected_at": "2024-02-01T10:00:00Z",
            "aware_at": "2024-02-01T09:00:00Z",
        },
    ]
    with pytest.raises(CommandError):
        run(write_csv(tmp_path, rows))
    assert not Incident.objects.exists()
    assert not ImportedIncident.objects.exists()


def test_json_files_are_accepted_too(tmp_path, ledger):
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps({"incidents": [{**GOOD[1], "restricted": True}]}))
    assert "1 created" in run(path)
    assert ImportedIncident.objects.get().incident.is_restricted


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("incidents.txt", "x", "Give a .csv or .json file."),
        ("incidents.json", "{not json", "not valid JSON"),
        ("incidents.json", '{"rows": []}', "must be a list"),
        ("incidents.csv", "reference,titel\nA,B\n", "Unknown column(s): titel"),
        ("incidents.csv", "", "is empty"),
    ],
)
def test_unreadable_files_are_refused_with_exit_2(tmp_path, db, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")) as raised:
        run(path)
    assert raised.value.returncode == 2


def test_the_import_can_be_recorded_under_a_named_user(tmp_path, ledger, admin_user):
    run(write_csv(tmp_path, GOOD[:1]), "--actor", "admin")
    assert ImportedIncident.objects.get().incident.created_by == admin_user
    with pytest.raises(CommandError, match="No user"):
        run(write_csv(tmp_path, GOOD[1:2], "other.csv"), "--actor", "ghost")
