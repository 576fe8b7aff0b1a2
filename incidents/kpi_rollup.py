"""Keeping the monthly KPI rollup (``KpiMonth``) exact, and rebuilding it.

Triggers rather than a call in each service: an incident's times, severity,
category, flags and status change through the lifecycle services, edits, the
admin, bulk imports, inbound integrations, post-mortem and compliance services
and bulk ``UPDATE`` statements; a trigger sees every one of them, in the same
statement and transaction, with the row's real old and new values (no stale
snapshot, no lost update under concurrency). Each incident adds itself to its
group on INSERT, moves between groups on UPDATE (only when a column the KPIs
read changed) and leaves on DELETE; declined incidents are in no group.

The same aggregate that ``rebuild_kpis`` stores is what the KPI code computes
live for the few incidents the rollup cannot answer for (partial months, other
time zones, restricted incidents of a responder's own team).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from incidents.choices import IncidentStatus
from incidents.models import Incident, KpiMonth

# name -> (start, end) of the interval, as in incidents.kpis
INTERVALS: dict[str, tuple[str, str]] = {
    "mttd": ("occurred_at", "detected_at"),
    "mtta": ("detected_at", "acknowledged_at"),
    "mttc": ("detected_at", "contained_at"),
    "mttr": ("detected_at", "resolved_at"),
}
GROUP_COLUMNS = ("severity_id", "category_id", "is_exercise", "is_restricted")
MEASURES = ("incidents", *(f"{name}_{part}" for name in INTERVALS for part in ("count", "total_us")))
WATCHED_COLUMNS = (
    "status",
    "detected_at",
    "occurred_at",
    "acknowledged_at",
    "contained_at",
    "resolved_at",
    "severity_id",
    "category_id",
    "is_exercise",
    "is_restricted",
)
_TABLE = "incidents_incident"
_ROLLUP = "incidents_kpimonth"
_KEY = "month, severity_id, category_id, is_exercise, is_restricted"
_DECLINED = IncidentStatus.DECLINED.value


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_us(start: str, end: str) -> str:
    return f"COALESCE((extract(epoch FROM r.{end} - r.{start}) * 1000000)::bigint, 0)"


def _pg_measures() -> list[str]:
    values = ["1"]
    for start, end in INTERVALS.values():
        values.append(f"CASE WHEN r.{start} IS NOT NULL AND r.{end} IS NOT NULL THEN 1 ELSE 0 END")
        values.append(_pg_us(start, end))
    return values


def postgresql_create() -> list[str]:
    measures = _pg_measures()
    assignments = ", ".join(
        f"{m} = {_ROLLUP}.{m} + sign * ({v})" for m, v in zip(MEASURES, measures, strict=True)
    )
    inserted = ", ".join(f"sign * ({v})" for v in measures)
    merged = ", ".join(f"{m} = {_ROLLUP}.{m} + EXCLUDED.{m}" for m in MEASURES)
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED_COLUMNS)
    # Every piece of these statements is a constant of this module: nothing comes from input.
    return [
        f"""CREATE OR REPLACE FUNCTION incidents_kpimonth_apply(r {_TABLE}, sign integer) RETURNS void AS $$
DECLARE
    m date := date_trunc('month', r.detected_at AT TIME ZONE 'UTC')::date;
BEGIN
    IF r.status = '{_DECLINED}' THEN
        RETURN;
    END IF;
    IF sign > 0 THEN
        INSERT INTO {_ROLLUP} ({_KEY}, {", ".join(MEASURES)})
        VALUES (m, r.severity_id, r.category_id, r.is_exercise, r.is_restricted, {inserted})
        ON CONFLICT ({_KEY}) DO UPDATE SET {merged};
    ELSE
        UPDATE {_ROLLUP} SET {assignments}
        WHERE month = m AND severity_id = r.severity_id AND category_id = r.category_id
          AND is_exercise = r.is_exercise AND is_restricted = r.is_restricted;
    END IF;
END $$ LANGUAGE plpgsql;""",  # noqa: S608
        """CREATE OR REPLACE FUNCTION incidents_kpimonth_track() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM incidents_kpimonth_apply(OLD, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM incidents_kpimonth_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;""",
        f"DROP TRIGGER IF EXISTS incidents_kpimonth_insert_delete ON {_TABLE};",
        f"CREATE TRIGGER incidents_kpimonth_insert_delete AFTER INSERT OR DELETE ON {_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION incidents_kpimonth_track();",
        f"DROP TRIGGER IF EXISTS incidents_kpimonth_update ON {_TABLE};",
        f"CREATE TRIGGER incidents_kpimonth_update AFTER UPDATE ON {_TABLE} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION incidents_kpimonth_track();",
    ]


def postgresql_drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS incidents_kpimonth_insert_delete ON {_TABLE};",
        f"DROP TRIGGER IF EXISTS incidents_kpimonth_update ON {_TABLE};",
        "DROP FUNCTION IF EXISTS incidents_kpimonth_track();",
        f"DROP FUNCTION IF EXISTS incidents_kpimonth_apply({_TABLE}, integer);",
    ]


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_us(column: str) -> str:
    # Django stores datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds plus the
    # six fraction digits, in integers, so that sums stay exact. The fraction is cut off before
    # strftime, which rounds to milliseconds (…59.9996 would count as the next second).
    return (
        f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({column} || '.000000', 21, 6) AS INTEGER))"
    )


def _sqlite_statements(row: str, sign: str) -> list[str]:
    values = ["1"]
    for start, end in INTERVALS.values():
        both = f"{row}.{start} IS NOT NULL AND {row}.{end} IS NOT NULL"
        values.append(f"(CASE WHEN {both} THEN 1 ELSE 0 END)")
        values.append(
            f"(CASE WHEN {both} THEN {_sqlite_us(f'{row}.{end}')} - {_sqlite_us(f'{row}.{start}')} ELSE 0 END)"
        )
    month = f"strftime('%Y-%m-01', {row}.detected_at)"
    where = (
        f"month = {month} AND severity_id = {row}.severity_id AND category_id = {row}.category_id"
        f" AND is_exercise = {row}.is_exercise AND is_restricted = {row}.is_restricted"
    )
    assignments = ", ".join(f"{m} = {m} {sign} {v}" for m, v in zip(MEASURES, values, strict=True))
    statements = []
    if sign == "+":
        zeros = ", ".join("0" for _ in MEASURES)
        statements.append(
            f"INSERT OR IGNORE INTO {_ROLLUP} ({_KEY}, {', '.join(MEASURES)}) SELECT {month}, "
            f"{row}.severity_id, {row}.category_id, {row}.is_exercise, {row}.is_restricted, {zeros} "
            f"WHERE {row}.status <> '{_DECLINED}';"
        )
    statements.append(f"UPDATE {_ROLLUP} SET {assignments} WHERE {where} AND {row}.status <> '{_DECLINED}';")  # noqa: S608
    return statements


def sqlite_create() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED_COLUMNS)
    add = " ".join(_sqlite_statements("NEW", "+"))
    remove = " ".join(_sqlite_statements("OLD", "-"))
    return [
        f"CREATE TRIGGER IF NOT EXISTS incidents_kpimonth_insert AFTER INSERT ON {_TABLE} BEGIN {add} END;",
        f"CREATE TRIGGER IF NOT EXISTS incidents_kpimonth_delete AFTER DELETE ON {_TABLE} BEGIN {remove} END;",
        f"CREATE TRIGGER IF NOT EXISTS incidents_kpimonth_update AFTER UPDATE ON {_TABLE} WHEN {changed} "
        f"BEGIN {remove} {add} END;",
    ]


def sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS incidents_kpimonth_{op};" for op in ("insert", "delete", "update")]


def _run(conn: BaseDatabaseWrapper, by_vendor: dict[str, Callable[[], list[str]]]) -> None:
    statements = by_vendor.get(conn.vendor)
    if statements is None:
        return
    with conn.cursor() as cursor:
        for statement in statements():
            cursor.execute(statement)


def install(conn: BaseDatabaseWrapper) -> None:
    _run(conn, {"postgresql": postgresql_create, "sqlite": sqlite_create})


def uninstall(conn: BaseDatabaseWrapper) -> None:
    _run(conn, {"postgresql": postgresql_drop, "sqlite": sqlite_drop})


# --- Seat flags -----------------------------------------------------------------------------------
# ``RoleAssignment.incident_restricted`` copies its incident's ``is_restricted``, so that a reader's
# own restricted incidents are found from their seats on restricted incidents alone (a partial
# index of a few rows per reader) instead of from every seat they ever held on any incident. A
# role assignment takes the flag from its incident on every write (whatever value the writer
# sent); an incident hands a change of ``is_restricted`` down to its assignments. A stale flag
# could only hide a restricted incident from its own responder, never show one to an outsider.

_SEATS = "incidents_roleassignment"
# Every piece of these statements is a constant of this module: nothing comes from input.
_SEAT_OF_NEW = f"COALESCE((SELECT is_restricted FROM {_TABLE} WHERE id = NEW.incident_id), false)"  # noqa: S608


def postgresql_seat_flags_create() -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION incidents_roleassignment_flag() RETURNS trigger AS $$
BEGIN
    NEW.incident_restricted := {_SEAT_OF_NEW};
    RETURN NEW;
END $$ LANGUAGE plpgsql;""",
        f"DROP TRIGGER IF EXISTS incidents_roleassignment_flag ON {_SEATS};",
        f"CREATE TRIGGER incidents_roleassignment_flag BEFORE INSERT OR UPDATE ON {_SEATS} "
        "FOR EACH ROW EXECUTE FUNCTION incidents_roleassignment_flag();",
        f"""CREATE OR REPLACE FUNCTION incidents_incident_seat_flags() RETURNS trigger AS $$
BEGIN
    UPDATE {_SEATS} SET incident_restricted = NEW.is_restricted
    WHERE incident_id = NEW.id AND incident_restricted IS DISTINCT FROM NEW.is_restricted;
    RETURN NULL;
END $$ LANGUAGE plpgsql;""",  # noqa: S608
        f"DROP TRIGGER IF EXISTS incidents_incident_seat_flags ON {_TABLE};",
        f"CREATE TRIGGER incidents_incident_seat_flags AFTER INSERT OR UPDATE OF is_restricted ON {_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION incidents_incident_seat_flags();",
    ]


def postgresql_seat_flags_drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS incidents_roleassignment_flag ON {_SEATS};",
        f"DROP TRIGGER IF EXISTS incidents_incident_seat_flags ON {_TABLE};",
        "DROP FUNCTION IF EXISTS incidents_roleassignment_flag();",
        "DROP FUNCTION IF EXISTS incidents_incident_seat_flags();",
    ]


def sqlite_seat_flags_create() -> list[str]:
    # SQLite cannot change NEW in a BEFORE trigger: the row is corrected right after the write
    # (recursive triggers are off, and the guard would stop a second pass anyway).
    correct = (
        f"UPDATE {_SEATS} SET incident_restricted = {_SEAT_OF_NEW} "  # noqa: S608
        f"WHERE id = NEW.id AND incident_restricted IS NOT {_SEAT_OF_NEW};"
    )
    handed_down = (
        f"UPDATE {_SEATS} SET incident_restricted = NEW.is_restricted "  # noqa: S608
        "WHERE incident_id = NEW.id AND incident_restricted IS NOT NEW.is_restricted;"
    )
    return [
        f"CREATE TRIGGER IF NOT EXISTS incidents_roleassignment_flag_insert AFTER INSERT ON {_SEATS} "
        f"BEGIN {correct} END;",
        f"CREATE TRIGGER IF NOT EXISTS incidents_roleassignment_flag_update AFTER UPDATE ON {_SEATS} "
        f"BEGIN {correct} END;",
        f"CREATE TRIGGER IF NOT EXISTS incidents_incident_seat_flags_insert AFTER INSERT ON {_TABLE} "
        f"BEGIN {handed_down} END;",
        f"CREATE TRIGGER IF NOT EXISTS incidents_incident_seat_flags_update AFTER UPDATE OF is_restricted "
        f"ON {_TABLE} WHEN OLD.is_restricted IS NOT NEW.is_restricted BEGIN {handed_down} END;",
    ]


def sqlite_seat_flags_drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name};"
        for name in (
            "incidents_roleassignment_flag_insert",
            "incidents_roleassignment_flag_update",
            "incidents_incident_seat_flags_insert",
            "incidents_incident_seat_flags_update",
        )
    ]


def install_seat_flags(conn: BaseDatabaseWrapper) -> None:
    _run(conn, {"postgresql": postgresql_seat_flags_create, "sqlite": sqlite_seat_flags_create})


def uninstall_seat_flags(conn: BaseDatabaseWrapper) -> None:
    _run(conn, {"postgresql": postgresql_seat_flags_drop, "sqlite": sqlite_seat_flags_drop})


def sync_seat_flags(conn: BaseDatabaseWrapper) -> int:
    """Give every role assignment its incident's flag (after a load with the triggers lifted)."""
    flag = f"COALESCE((SELECT i.is_restricted FROM {_TABLE} i WHERE i.id = {_SEATS}.incident_id), false)"  # noqa: S608
    with conn.cursor() as cursor:
        cursor.execute(f"UPDATE {_SEATS} SET incident_restricted = {flag} WHERE incident_restricted <> {flag}")  # noqa: S608
        return cursor.rowcount


# --- Aggregates -----------------------------------------------------------------------------------


def measure_annotations() -> dict[str, Any]:
    """Count and duration sum per interval, as the rollup stores them (sums are timedeltas here)."""
    annotations: dict[str, Any] = {"incidents": Count("id")}
    for name, (start, end) in INTERVALS.items():
        both = Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        annotations[f"{name}_count"] = Count("id", filter=both)
        annotations[f"{name}_total_us"] = Sum(
            ExpressionWrapper(F(end) - F(start), output_field=DurationField())
        )
    return annotations


def _microseconds(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def aggregate(
    incidents: QuerySet[Incident], *, tz: tzinfo, keys: Iterable[str] = ("severity_id",)
) -> dict[tuple[Any, ...], list[int]]:
    """Measures (in ``MEASURES`` order) per (month in ``tz``, *keys) of these incidents, declined excluded."""
    keys = tuple(keys)
    rows = (
        incidents.exclude(status=IncidentStatus.DECLINED)
        .annotate(kpi_month=TruncMonth("detected_at", tzinfo=tz))
        .values("kpi_month", *keys)
        .annotate(**measure_annotations())
        .order_by()
    )
    result: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        month = row["kpi_month"]
        if isinstance(month, datetime):
            month = month.astimezone(tz).date()
        key = (month, *(row[k] for k in keys))
        result[key] = [_microseconds(row[m]) for m in MEASURES]
    return result


def recompute() -> dict[tuple[Any, ...], list[int]]:
    """The rollup as it should be, from the incidents themselves."""
    return aggregate(Incident.objects.all(), tz=UTC, keys=GROUP_COLUMNS)


def stored() -> dict[tuple[Any, ...], list[int]]:
    """The rollup as stored, without the empty groups that moves leave behind."""
    return {
        (row["month"], *(row[k] for k in GROUP_COLUMNS)): [row[m] for m in MEASURES]
        for row in KpiMonth.objects.filter(incidents__gt=0).values("month", *GROUP_COLUMNS, *MEASURES)
    }


@transaction.atomic
def rebuild() -> tuple[int, int]:
    """Replace the rollup with a full recomputation and correct any seat flag that differs from
    its incident; incident writes wait until it is done. Returns (groups, seat flags corrected)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Readers go on; writers (whose triggers would touch the rollup) wait for the commit.
            cursor.execute(f"LOCK TABLE {_TABLE} IN SHARE MODE")
    KpiMonth.objects.all().delete()
    rows = [
        KpiMonth(
            month=month,
            **dict(zip(GROUP_COLUMNS, group, strict=True)),
            **dict(zip(MEASURES, values, strict=True)),
        )
        for (month, *group), values in recompute().items()
    ]
    KpiMonth.objects.bulk_create(rows, batch_size=1000)
    return len(rows), sync_seat_flags(connection)
