"""The monthly KPI rollup is exact: after any mix of changes, by any path, it equals a full
recomputation, and the KPIs read from it equal a full scan of the incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.db.models.functions import TruncMonth
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import kpi_rollup
from incidents.kpis import KpiFilters, incident_kpis, kpi_queryset
from incidents.models import Category, Incident, KpiMonth, RoleAssignment, Severity
from tests.factories import IncidentFactory, RoleAssignmentFactory

STATUSES = ["reported", "acknowledged", "contained", "resolved", "closed", "declined"]
# Around month boundaries on purpose: that is where UTC and local months differ.
BASE = datetime(2026, 3, 1, tzinfo=UTC)


def _full_scan(user, filters: KpiFilters) -> list[dict]:
    """The KPIs as they were computed before the rollup: one aggregate over every incident."""
    averages = {
        name: Avg(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))
        for name, (start, end) in kpi_rollup.INTERVALS.items()
    }
    rows = (
        kpi_queryset(user, filters)
        .annotate(month=TruncMonth("detected_at"))
        .values("month", "severity__name", "severity__rank")
        .annotate(incidents=Count("id"), **averages)
        .order_by("month", "severity__rank")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "severity": row["severity__name"],
            "incidents": row["incidents"],
            **{
                f"{name}_seconds": None if row[name] is None else round(row[name].total_seconds(), 1)
                for name in kpi_rollup.INTERVALS
            },
        }
        for row in rows
    ]


def _close(rows: list[dict], expected: list[dict]) -> None:
    # Averages are rounded to 0.1 s; a sum divided in Python and an AVG of the database may
    # round a tie differently, nothing more.
    assert [(r["month"], r["severity"], r["incidents"]) for r in rows] == [
        (r["month"], r["severity"], r["incidents"]) for r in expected
    ]
    for row, want in zip(rows, expected, strict=True):
        for name in kpi_rollup.INTERVALS:
            got, ref = row[f"{name}_seconds"], want[f"{name}_seconds"]
            assert (got is None) == (ref is None), (row, want)
            if got is not None:
                assert abs(got - ref) <= 0.1, (row, want)


incident_shapes = st.fixed_dictionaries(
    {
        "hours": st.integers(min_value=-30 * 24, max_value=40 * 24),
        "minute": st.integers(min_value=0, max_value=59),
        "micro": st.sampled_from([0, 1, 499_999, 999_600, 999_999]) | st.integers(0, 999_999),
        "severity": st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4"]),
        "category": st.sampled_from(["system-outage", "ransomware", "data-breach"]),
        "status": st.sampled_from(STATUSES),
        "occurred": st.none() | st.integers(min_value=0, max_value=600),
        "acknowledged": st.none() | st.integers(min_value=0, max_value=900),
        "contained": st.none() | st.integers(min_value=0, max_value=3000),
        "resolved": st.none() | st.integers(min_value=0, max_value=9000),
        "exercise": st.booleans(),
        "restricted": st.booleans(),
    }
)
changes = st.lists(
    st.one_of(
        st.tuples(st.just("create"), incident_shapes),
        st.tuples(st.just("save"), st.integers(0, 50), incident_shapes),
        st.tuples(st.just("bulk"), st.integers(0, 50), incident_shapes),
        st.tuples(st.just("delete"), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=8,
)


def _fields(shape: dict) -> dict:
    detected = BASE + timedelta(hours=shape["hours"], minutes=shape["minute"], microseconds=shape["micro"])
    minutes = {key: shape[key] for key in ("acknowledged", "contained", "resolved")}
    return {
        "detected_at": detected,
        "occurred_at": None if shape["occurred"] is None else detected - timedelta(minutes=shape["occurred"]),
        **{
            f"{key}_at": None if value is None else detected + timedelta(minutes=value, seconds=0.5)
            for key, value in minutes.items()
        },
        "severity": Severity.objects.get(name=shape["severity"]),
        "category": Category.objects.get(slug=shape["category"]),
        "status": shape["status"],
        "is_exercise": shape["exercise"],
        "is_restricted": shape["restricted"],
    }


def _pick(index: int) -> Incident | None:
    incidents = list(Incident.objects.order_by("pk"))
    return incidents[index % len(incidents)] if incidents else None


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=changes)
def test_the_rollup_equals_a_recomputation_after_random_changes(steps):
    # Each example starts from the same (empty) table: its changes are rolled back after it.
    with transaction.atomic():
        _apply(steps)
        transaction.set_rollback(True)


def _apply(steps: list) -> None:
    for step in steps:
        kind = step[0]
        if kind == "create":
            IncidentFactory(**_fields(step[1]))
        elif kind == "save" and (incident := _pick(step[1])):
            for name, value in _fields(step[2]).items():
                setattr(incident, name, value)
            incident.save()
        elif kind == "bulk" and (incident := _pick(step[1])):
            # A queryset update (as imports and bulk operations do) bypasses save() and signals.
            fields = _fields(step[2])
            Incident.objects.filter(pk__gte=incident.pk).update(
                severity=fields["severity"], status=fields["status"], is_restricted=fields["is_restricted"]
            )
            Incident.objects.filter(pk=incident.pk).update(detected_at=F("detected_at") + timedelta(days=20))
        elif kind == "delete" and (incident := _pick(step[1])):
            incident.delete()
        assert kpi_rollup.stored() == kpi_rollup.recompute(), step


def test_the_lifecycle_services_keep_the_rollup_exact(incident, responder):
    from incidents import services

    assert kpi_rollup.stored() == kpi_rollup.recompute() != {}
    services.incident_acknowledge(incident=incident, actor=responder)
    services.incident_contain(incident=incident, actor=responder)
    services.incident_resolve(incident=incident, actor=responder)
    assert kpi_rollup.stored() == kpi_rollup.recompute()
    row = KpiMonth.objects.get(incidents=1)
    assert row.mttr_count == 1
    assert row.mttr_total_us == (
        incident.__class__.objects.get(pk=incident.pk).resolved_at - incident.detected_at
    ) / timedelta(microseconds=1)


@pytest.fixture
def spread(responder, outsider):
    """Incidents around the UTC and local month boundaries, some restricted to responder's team."""
    sev1, sev3 = Severity.objects.get(name="SEV1"), Severity.objects.get(name="SEV3")
    for day in range(-3, 70, 2):
        for hour in (0, 2, 5, 11, 20, 23):
            detected = BASE + timedelta(days=day, hours=hour, minutes=17)
            IncidentFactory(
                detected_at=detected,
                occurred_at=detected - timedelta(minutes=day % 7 * 3) if hour != 5 else None,
                acknowledged_at=detected + timedelta(minutes=hour * 3 + 1) if day % 3 else None,
                resolved_at=detected + timedelta(hours=hour + 1) if day % 4 == 0 else None,
                severity=sev1 if hour in (0, 23) else sev3,
                is_restricted=hour == 2,
                is_exercise=hour == 11,
                created_by=responder if (hour == 2 and day % 6 == 1) else outsider,
                status="declined" if hour == 20 and day % 5 == 0 else "reported",
            )
    restricted = Incident.objects.filter(is_restricted=True).exclude(created_by=responder)[:5]
    for target in restricted:
        RoleAssignmentFactory(incident=target, user=responder)
    RoleAssignment.objects.filter(incident=restricted[0]).update(ended_at=timezone.now())


RANGES = [
    (None, None),
    (BASE + timedelta(days=3, hours=7), None),
    (None, BASE + timedelta(days=40, hours=1)),
    (BASE + timedelta(days=31), BASE + timedelta(days=61)),
    (BASE + timedelta(days=5), BASE + timedelta(days=9)),
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"])
def test_the_kpis_equal_a_full_scan_for_every_reader_zone_and_range(
    spread, zone, compliance_officer, responder, outsider, author
):
    with timezone.override(ZoneInfo(zone)):
        for after, before in RANGES:
            filters = [
                KpiFilters(categories=[], severities=[], detected_after=after, detected_before=before),
                KpiFilters(categories=[], severities=["SEV1"], detected_after=after, include_exercises=True),
                KpiFilters(categories=["ransomware"], severities=[], detected_before=before),
            ]
            for user in (compliance_officer, responder, outsider, author):
                for kpi_filter in filters:
                    _close(incident_kpis(user, kpi_filter), _full_scan(user, kpi_filter))


def test_rebuild_kpis_repairs_a_damaged_rollup(spread):
    expected = kpi_rollup.stored()
    KpiMonth.objects.filter(pk__in=KpiMonth.objects.values("pk")[:3]).update(incidents=F("incidents") + 7)
    KpiMonth.objects.filter(pk=KpiMonth.objects.last().pk).delete()
    assert kpi_rollup.stored() != expected
    out = StringIO()
    call_command("rebuild_kpis", stdout=out)
    assert kpi_rollup.stored() == expected == kpi_rollup.recompute()
    assert "differed from the stored rollup" in out.getvalue()
