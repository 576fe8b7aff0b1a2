#!/usr/bin/env python
"""Server-time benchmark of the incident list, detail and KPI endpoints.

Not a test: it loads 100,000 incidents (timelines, role holders, affected
services) into a dedicated PostgreSQL database and times the API in-process
with Django's test client, as a compliance officer (sees everything) and as
an incident responder (restricted incidents filtered through an EXISTS
subquery).

    .venv/bin/python bench/incidents.py            # load once, then measure
    .venv/bin/python bench/incidents.py --reset    # drop the database, reload, measure
    .venv/bin/python bench/incidents.py --explain  # also EXPLAIN ANALYZE every query of 2 ms or more

The data is written with COPY (not through ``incidents.services``): the
services are for correctness, here we want volume. The audit trail is never
touched by the loader (its triggers refuse UPDATE/DELETE/TRUNCATE anyway).
Every run ANALYZEs the database first, as autovacuum would in production.

Per endpoint and role it reports the wall time of each request (median, p95),
the time spent in the database driver and the CPU time of the Django process
(medians), and the number of SQL queries of one request.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
BENCH_DB = "portal_bench"
DATABASE_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{BENCH_DB}"

INCIDENTS = 100_000
SEED = 20_250_101
HISTORY_DAYS = 3 * 365
POOL_USERS = 80
COMPLIANCE_USER = "bench-compliance"
RESPONDER_USER = "bench-responder"
COMPLIANCE_GROUP = "Compliance Officer"
RESPONDER_GROUP = "Incident Responder"

LIST_URL = (
    "/api/v1/incidents/?status=acknowledged&status=contained&severity=SEV1&severity=SEV2"
    "&ordering=-detected_at&page_size=50"
)
KPI_URL = "/api/v1/kpis/"
# The fixed cost of any authenticated API request (session, user, permissions, DRF): four rows.
BASELINE_URL = "/api/v1/severities/"
TARGETS_MS = {"list": 30.0, "detail": 30.0, "kpis": 300.0}


# --------------------------------------------------------------------------- database


def _psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        [
            "psql",
            "-h",
            PG_HOST,
            "-p",
            str(PG_PORT),
            "-U",
            PG_USER,
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def ensure_database(*, reset: bool) -> None:
    """Create the dedicated benchmark database (drop it first with ``reset``)."""
    if reset:
        print(f"Dropping database {BENCH_DB} ...", flush=True)
        _psql(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'") == "1"
    if not exists:
        print(f"Creating database {BENCH_DB} ...", flush=True)
        _psql(f'CREATE DATABASE "{BENCH_DB}"')


def setup_django() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# --------------------------------------------------------------------------- data shape

# fmt: off
FIRST_NAMES = ["Ada", "Brian", "Chen", "Dara", "Emil", "Fatou", "Goran", "Hana", "Ines", "Jonas", "Kemal",
               "Lena", "Mateo", "Nora", "Oskar", "Priya"]
LAST_NAMES = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Novak", "Silva", "Haddad", "Kowalski", "Brennan",
              "Ivanova"]
STATUS_WEIGHTS_OLD = {"closed": 86.0, "resolved": 5.0, "declined": 6.0, "contained": 1.0,
                      "acknowledged": 1.2, "reported": 0.8}
STATUS_WEIGHTS_RECENT = {"closed": 30.0, "resolved": 25.0, "declined": 8.0, "contained": 15.0,
                         "acknowledged": 15.0, "reported": 7.0}
SEVERITY_WEIGHTS = {"SEV1": 4.0, "SEV2": 14.0, "SEV3": 42.0, "SEV4": 40.0}
CATEGORY_WEIGHTS = {
    "data-breach": 6, "ransomware": 2, "phishing": 18, "ddos": 5, "system-outage": 22,
    "third-party-outage": 12, "natural-disaster": 1, "insider-threat": 2, "lost-device": 9, "malware": 8,
    "unauthorised-access": 6, "misconfiguration": 9,
}
SERVICE_NAMES = [
    "Payments API", "Card processing", "Online banking", "Mobile app", "Customer portal", "Identity provider",
    "Single sign-on", "Email", "VPN", "Core ledger", "Data warehouse", "CRM", "HR system", "Payroll",
    "Document storage", "Public website", "Support desk", "Call centre telephony", "Trading platform",
    "Risk engine", "Fraud detection", "Notification service", "Search", "Reporting", "Backup service",
    "Kubernetes platform", "Object storage", "DNS", "CDN", "Message broker",
]
TITLE_SUBJECTS = {
    "data-breach": ["Customer records exposed", "Personal data exported to unknown host",
                    "Misdirected statement batch"],
    "ransomware": ["File server encrypted", "Ransom note on workstations", "Backup share encrypted"],
    "phishing": ["Credential phishing campaign", "CEO fraud e-mail", "Compromised mailbox sending phishing"],
    "ddos": ["Volumetric DDoS on public endpoints", "Layer 7 flood on login", "DNS amplification against us"],
    "system-outage": ["Database failover loop", "Certificate expiry", "Deployment broke checkout",
                      "Disk full"],
    "third-party-outage": ["Cloud region degraded", "Payment processor unavailable", "SMS provider delays"],
    "natural-disaster": ["Flooding at data centre", "Power cut at head office", "Storm closes branches"],
    "insider-threat": ["Bulk download by leaver", "Unauthorised access by contractor", "Privilege misuse"],
    "lost-device": ["Laptop stolen from car", "Phone lost abroad", "USB stick missing"],
    "malware": ["Infostealer on workstation", "Malicious browser extension", "Cryptominer on build agent"],
    "unauthorised-access": ["Brute-forced admin account", "Leaked API key used", "Suspicious VPN logins"],
    "misconfiguration": ["Public storage bucket", "Firewall rule too broad", "Debug endpoint exposed"],
}
_PROSE = (
    "the on-call engineer observed elevated error rates and customer reports while monitoring alerted on "
    "latency saturation of the primary cluster affected users in several regions we rolled back the change "
    "isolated the host rotated credentials informed the supplier and started collecting logs for analysis "
    "impact is limited to a subset of accounts no evidence of data exfiltration so far pending confirmation"
)
WORDS = _PROSE.split(" ")
NOTES = [
    "Bridge opened, stakeholders paged.", "Vendor ticket raised.", "Logs preserved for forensics.",
    "Customer support briefed with holding statement.", "Mitigation deployed, watching metrics.",
    "Regulatory assessment requested from compliance.", "Root cause hypothesis: configuration drift.",
    "Affected accounts identified and notified.", "Status page updated.",
]
# fmt: on


# --------------------------------------------------------------------------- users


def ensure_users() -> tuple[Any, Any, list[Any]]:
    """The two measured users and a pool of responders who own the data."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user_model = get_user_model()
    compliance_group = Group.objects.get(name=COMPLIANCE_GROUP)
    responder_group = Group.objects.get(name=RESPONDER_GROUP)

    def user(username: str, first: str, last: str, group: Group) -> Any:
        obj, created = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@bench.invalid"},
        )
        if created:
            obj.set_unusable_password()
            obj.save(update_fields=["password"])
        obj.groups.add(group)
        return obj

    compliance = user(COMPLIANCE_USER, "Bench", "Compliance", compliance_group)
    responder = user(RESPONDER_USER, "Bench", "Responder", responder_group)

    existing = set(
        user_model.objects.filter(username__startswith="bench-user-").values_list("username", flat=True)
    )
    missing = []
    for i in range(POOL_USERS):
        username = f"bench-user-{i:03d}"
        if username not in existing:
            u = user_model(
                username=username,
                first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
                last_name=LAST_NAMES[i % len(LAST_NAMES)],
                email=f"{username}@bench.invalid",
            )
            u.set_unusable_password()
            missing.append(u)
    if missing:
        user_model.objects.bulk_create(missing)
    pool = list(user_model.objects.filter(username__startswith="bench-user-").order_by("username"))
    responder_group.user_set.add(*pool)
    return compliance, responder, pool


# --------------------------------------------------------------------------- data generation


def _weighted(rng: random.Random, weights: dict[str, float] | dict[str, int]) -> Callable[[], str]:
    keys = list(weights)
    cum: list[float] = []
    total = 0.0
    for key in keys:
        total += weights[key]
        cum.append(total)

    def pick() -> str:
        x = rng.random() * total
        for key, bound in zip(keys, cum, strict=True):
            if x < bound:
                return key
        return keys[-1]

    return pick


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


@dataclass
class Generated:
    incidents: list[tuple[Any, ...]] = field(default_factory=list)
    timeline: list[tuple[Any, ...]] = field(default_factory=list)
    roles: list[tuple[Any, ...]] = field(default_factory=list)
    services: list[tuple[int, int]] = field(default_factory=list)
    counters: dict[int, int] = field(default_factory=dict)


# fmt: off
INCIDENT_COLUMNS = [
    "id", "reference", "title", "summary", "impact", "severity", "category", "status", "occurred_at",
    "detected_at", "aware_at", "acknowledged_at", "contained_at", "resolved_at", "closed_at", "declined_at",
    "reopened_at", "is_restricted", "is_exercise", "created_by", "created_at", "updated_at", "version",
]
TIMELINE_COLUMNS = ["incident", "kind", "occurred_at", "created_at", "author", "text", "data"]
ROLE_COLUMNS = ["incident", "role", "user", "assigned_at", "assigned_by", "ended_at", "ended_by"]
# fmt: on


class _Lifecycle:
    """Walks an incident along its lifecycle, refusing steps that would lie in the future."""

    def __init__(self, created: datetime, now: datetime) -> None:
        self.now = now
        self.status = "reported"
        self.cursor = created
        self.steps: list[tuple[str, str, str, datetime]] = []  # (action, from, to, at)
        self.stamps: dict[str, datetime | None] = dict.fromkeys(
            ("acknowledged_at", "contained_at", "resolved_at", "closed_at", "declined_at", "reopened_at")
        )

    def step(self, action: str, to: str, stamp: str, delay: timedelta) -> bool:
        at = self.cursor + delay
        if at > self.now:
            return False
        self.steps.append((action, self.status, to, at))
        self.stamps[stamp] = at
        self.status, self.cursor = to, at
        return True


def generate(n: int, *, responder_id: int, usernames: dict[int, str], now: datetime) -> Generated:
    """Every row of the load: the same shape on every run (fixed seed), dated relative to ``now``."""
    from incidents.models import Category, IncidentRole, Service, Severity

    rng = random.Random(SEED)
    severities = {s.name: s for s in Severity.objects.all()}
    categories = {c.slug: c for c in Category.objects.all()}
    roles = {r.slug: r for r in IncidentRole.objects.all()}
    service_ids = list(Service.objects.values_list("id", flat=True))
    pick_severity = _weighted(rng, SEVERITY_WEIGHTS)
    pick_category = _weighted(rng, CATEGORY_WEIGHTS)
    pick_old = _weighted(rng, STATUS_WEIGHTS_OLD)
    pick_recent = _weighted(rng, STATUS_WEIGHTS_RECENT)
    pool = [pk for pk in usernames if pk != responder_id]
    start = now - timedelta(days=HISTORY_DAYS)
    span = (now - start).total_seconds()
    # Detection times sorted, so that ids and reference numbers grow with time as in production.
    detected_all = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n))

    out = Generated()
    per_year: Counter[int] = Counter()

    def minutes(mean: float, sigma: float = 0.9) -> timedelta:
        return timedelta(minutes=rng.lognormvariate(math.log(max(mean, 1.0)), sigma))

    for index, detected in enumerate(detected_all, start=1):
        severity = severities[pick_severity()]
        category = categories[pick_category()]
        is_exercise = rng.random() < 0.05
        is_restricted = rng.random() < 0.10
        creator = responder_id if rng.random() < 0.003 else rng.choice(pool)
        created = min(detected + timedelta(seconds=rng.randint(0, 1200)), now)
        occurred = detected - minutes(90, 1.3) if rng.random() < 0.8 else None
        aware = detected + timedelta(seconds=rng.randint(0, 7200)) if rng.random() < 0.7 else None
        if aware is not None and aware > now:
            aware = now
        age_days = (now - detected).days
        target = pick_recent() if age_days <= 60 else pick_old()

        life = _Lifecycle(created, now)
        ack_target = severity.acknowledge_target_minutes
        res_target = severity.resolve_target_minutes
        if target == "declined":
            if rng.random() < 0.5:
                life.step("acknowledge", "acknowledged", "acknowledged_at", minutes(ack_target * 0.6))
            life.step("decline", "declined", "declined_at", minutes(120, 1.2))
        elif target != "reported":
            order = ["acknowledged", "contained", "resolved", "closed"]
            plan = [
                ("acknowledge", "acknowledged", "acknowledged_at", minutes(ack_target * 0.6)),
                ("contain", "contained", "contained_at", minutes(res_target * 0.3)),
                ("resolve", "resolved", "resolved_at", minutes(res_target * 0.5)),
                ("close", "closed", "closed_at", timedelta(days=rng.uniform(0.5, 20))),
            ]
            for action, to, stamp, delay in plan[: order.index(target) + 1]:
                if not life.step(action, to, stamp, delay):
                    break
            # Reopening clears the resolution stamps (as incidents.services does).
            reopens = life.status in ("resolved", "closed") and rng.random() < 0.02
            if reopens and life.step(
                "reopen", "acknowledged", "reopened_at", timedelta(days=rng.uniform(0.2, 10))
            ):
                life.stamps["resolved_at"] = None
                life.stamps["closed_at"] = None
        status, stamps, steps, last_change = life.status, life.stamps, life.steps, life.cursor

        year = created.year
        per_year[year] += 1
        subject = rng.choice(TITLE_SUBJECTS[category.slug])
        title = f"{subject} ({rng.choice(SERVICE_NAMES)})"
        out.incidents.append(
            (
                index,
                f"INC-{year}-{per_year[year]:04d}",
                title,
                _sentence(rng, rng.randint(25, 60)),
                _sentence(rng, rng.randint(8, 25)),
                severity.pk,
                category.pk,
                status,
                occurred,
                detected,
                aware,
                stamps["acknowledged_at"],
                stamps["contained_at"],
                stamps["resolved_at"],
                stamps["closed_at"],
                stamps["declined_at"],
                stamps["reopened_at"],
                is_restricted,
                is_exercise,
                creator,
                created,
                last_change,
                1 + len(steps),
            )
        )

        # Affected services.
        for service_id in rng.sample(service_ids, k=rng.choice((0, 1, 1, 1, 2, 2, 3))):
            out.services.append((index, service_id))

        # Timeline: declaration, each status change, a few notes.
        kind_word = "Exercise" if is_exercise else "Incident"
        out.timeline.append(
            (
                index,
                "declared",
                created,
                created,
                creator,
                f"{kind_word} declared with severity {severity.name} ({category.name}).",
                json.dumps({"severity": severity.name, "category": category.slug}),
            )
        )
        actor = rng.choice(pool)
        for action, old, new, at in steps:
            note = "Not an incident: expected behaviour." if action == "decline" else ""
            text = f"Status changed from {old.capitalize()} to {new.capitalize()}." + (
                f" {note}" if note else ""
            )
            out.timeline.append(
                (
                    index,
                    "status_change",
                    at,
                    at,
                    actor,
                    text,
                    json.dumps({"action": action, "from": old, "to": new, "note": note}),
                )
            )
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            at = created + (last_change - created) * rng.random()
            out.timeline.append((index, "note", at, at, rng.choice(pool), rng.choice(NOTES), "{}"))

        # Role holders: a commander once acknowledged, others on bigger incidents.
        if status == "reported" and rng.random() < 0.7:
            continue
        role_at = stamps["acknowledged_at"] or created
        wanted = ["incident-commander"]
        if rng.random() < 0.40:
            wanted.append("technical-lead")
        if rng.random() < 0.25:
            wanted.append("scribe")
        if severity.rank <= 2 and rng.random() < 0.5:
            wanted.append("communications-lead")
        if (is_restricted or severity.rank <= 2) and rng.random() < 0.5:
            wanted.append("compliance-liaison")
        responder_seat = rng.choice(wanted) if rng.random() < 0.015 else None
        for slug in wanted:
            role = roles[slug]
            holder = responder_id if slug == responder_seat else rng.choice(pool)
            if slug == "incident-commander" and rng.random() < 0.15:
                # A hand-over: the first commander's assignment is ended, not deleted.
                first = rng.choice(pool)
                handed = min(role_at + minutes(60), now)
                out.roles.append((index, role.pk, first, role_at, creator, handed, creator))
                out.timeline.append(
                    (
                        index,
                        "role_change",
                        role_at,
                        role_at,
                        creator,
                        f"{usernames[first]} is now {role.name}.",
                        json.dumps({"role": slug}),
                    )
                )
                out.roles.append((index, role.pk, holder, handed, creator, None, None))
                out.timeline.append(
                    (
                        index,
                        "role_change",
                        handed,
                        handed,
                        creator,
                        f"{role.name}: {usernames[first]} handed over to {usernames[holder]}.",
                        json.dumps({"role": slug}),
                    )
                )
                continue
            out.roles.append((index, role.pk, holder, role_at, creator, None, None))
            out.timeline.append(
                (
                    index,
                    "role_change",
                    role_at,
                    role_at,
                    creator,
                    f"{usernames[holder]} is now {role.name}.",
                    json.dumps({"role": slug}),
                )
            )
    out.counters = dict(per_year)
    return out


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from django.db import connection

    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _columns(model: Any, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


def load(n: int, *, responder: Any, pool: Sequence[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from incidents.models import Incident, ReferenceCounter, RoleAssignment, Service, TimelineEvent

    t0 = time.perf_counter()
    now = datetime.now(UTC)
    if not Service.objects.exists():
        Service.objects.bulk_create(
            Service(name=name, tier=1 + i % 4, owner=f"Team {name.split()[0]}")
            for i, name in enumerate(SERVICE_NAMES)
        )
    usernames = {u.pk: u.username for u in [*pool, responder]}
    data = generate(n, responder_id=responder.pk, usernames=usernames, now=now)
    t1 = time.perf_counter()
    print(
        f"  generated {len(data.incidents):,} incidents, {len(data.timeline):,} timeline events, "
        f"{len(data.roles):,} role assignments, {len(data.services):,} service links "
        f"in {t1 - t0:.1f}s",
        flush=True,
    )
    through = Incident.services.through
    with transaction.atomic():
        _copy(Incident._meta.db_table, _columns(Incident, INCIDENT_COLUMNS), data.incidents)
        _copy(through._meta.db_table, _columns(through, ["incident", "service"]), data.services)
        _copy(TimelineEvent._meta.db_table, _columns(TimelineEvent, TIMELINE_COLUMNS), data.timeline)
        _copy(RoleAssignment._meta.db_table, _columns(RoleAssignment, ROLE_COLUMNS), data.roles)
        for year, last in data.counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": last})
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Incident]):
                cursor.execute(statement)
    t2 = time.perf_counter()
    print(f"  copied in {t2 - t1:.1f}s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  vacuum analyze in {time.perf_counter() - t2:.1f}s", flush=True)


def analyze() -> float:
    """ANALYZE the whole database, as autovacuum would (it is off on some development servers).

    Without statistics the planner assumes ~400 rows for the small lookup tables
    (severities, categories, users) and picks much slower plans for the list.
    """
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def describe_data() -> list[str]:
    from django.db.models import Count

    from incidents.models import Incident, RoleAssignment, TimelineEvent

    total = Incident.objects.count()
    statuses = dict(Incident.objects.values_list("status").annotate(n=Count("id")).order_by("status"))
    restricted = Incident.objects.filter(is_restricted=True).count()
    exercises = Incident.objects.filter(is_exercise=True).count()
    matching = Incident.objects.filter(
        status__in=["acknowledged", "contained"], severity__name__in=["SEV1", "SEV2"]
    ).count()
    responder_seats = RoleAssignment.objects.filter(
        user__username=RESPONDER_USER, ended_at__isnull=True
    ).count()
    return [
        f"incidents: {total:,} ({restricted:,} restricted, {exercises:,} exercises); "
        f"timeline events: {TimelineEvent.objects.count():,}; "
        f"role assignments: {RoleAssignment.objects.count():,}",
        "statuses: " + ", ".join(f"{k} {v:,}" for k, v in statuses.items()),
        f"rows matching the list filter: {matching:,}; active seats of {RESPONDER_USER}: {responder_seats:,}",
    ]


# --------------------------------------------------------------------------- measurement


@dataclass
class Measurement:
    endpoint: str
    role: str
    samples_ms: list[float]  # wall time of each timed request
    sql_ms: list[float]  # time spent in cursor.execute during each timed request
    cpu_ms: list[float]  # CPU time of this (Django) process during each timed request
    queries: int
    captured: list[dict[str, Any]]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples_ms, n=100, method="inclusive")[94]


class _SqlTimer:
    """A connection.execute_wrapper adding up the time spent in the database driver."""

    def __init__(self) -> None:
        self.total = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.total += time.perf_counter() - started


def measure(
    client: Any, endpoint: str, role: str, urls: Callable[[int], str], *, requests: int, warmup: int
) -> Measurement:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples: list[float] = []
    sql: list[float] = []
    cpu: list[float] = []
    timer = _SqlTimer()
    with connection.execute_wrapper(timer):
        for i in range(warmup + requests):
            url = urls(i)
            timer.total = 0.0
            cpu_started = time.process_time()
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            cpu_used = time.process_time() - cpu_started
            if response.status_code != 200:
                raise SystemExit(
                    f"{role} GET {url} answered {response.status_code}: {response.content[:300]!r}"
                )
            if i >= warmup:
                samples.append(elapsed * 1000)
                sql.append(timer.total * 1000)
                cpu.append(cpu_used * 1000)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(urls(0))
    assert response.status_code == 200
    captured = list(ctx.captured_queries)
    return Measurement(endpoint, role, samples, sql, cpu, len(captured), captured)


def explain(m: Measurement, *, threshold_ms: float = 2.0) -> None:
    """Every query of one request with its time, and EXPLAIN ANALYZE of the slow ones."""
    from django.db import connection

    total = sum(float(q["time"]) for q in m.captured) * 1000
    print(f"\n=== {m.endpoint} as {m.role}: {m.queries} queries, {total:.1f} ms SQL")
    for q in m.captured:
        print(f"  {float(q['time']) * 1000:7.2f} ms  {q['sql'][:150]}")
    slowest = max(float(q["time"]) for q in m.captured)
    for q in m.captured:
        ms = float(q["time"]) * 1000
        if ms < threshold_ms and float(q["time"]) < slowest:
            continue
        print(f"\n-- {ms:.1f} ms:\n{q['sql']}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


def _fixed(url: str) -> Callable[[int], str]:
    return lambda i: url


def _details(ids: Sequence[int]) -> Callable[[int], str]:
    return lambda i: f"/api/v1/incidents/{ids[i]}/"


def run(args: argparse.Namespace) -> list[Measurement]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from incidents.selectors import incidents_visible_to

    user_model = get_user_model()
    results: list[Measurement] = []
    for role, username in (("compliance", COMPLIANCE_USER), ("responder", RESPONDER_USER)):
        user = user_model.objects.get(username=username)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        ids = list(incidents_visible_to(user).values_list("id", flat=True))
        rng = random.Random(SEED + len(role))
        detail_ids = [rng.choice(ids) for _ in range(args.warmup + args.requests + 1)]
        plans: list[tuple[str, Callable[[int], str]]] = [
            ("list", _fixed(LIST_URL)),
            ("detail", _details(detail_ids)),
            ("kpis", _fixed(KPI_URL)),
            ("baseline", _fixed(BASELINE_URL)),
        ]
        for endpoint, urls in plans:
            m = measure(client, endpoint, role, urls, requests=args.requests, warmup=args.warmup)
            print(
                f"  {endpoint:<8} {role:<11} median {m.median:8.2f} ms  p95 {m.p95:8.2f} ms  "
                f"SQL {statistics.median(m.sql_ms):7.2f} ms  CPU {statistics.median(m.cpu_ms):7.2f} ms  "
                f"{m.queries} queries",
                flush=True,
            )
            results.append(m)
    return results


def table(results: Sequence[Measurement]) -> str:
    lines = [
        "| endpoint | role | median ms | p95 ms | SQL ms (median) | Python CPU ms (median) | queries "
        "| target (median) |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for m in results:
        target = TARGETS_MS.get(m.endpoint)
        verdict = "-" if target is None else f"< {target:.0f} ms " + ("ok" if m.median < target else "MISSED")
        lines.append(
            f"| {m.endpoint} | {m.role} | {m.median:.1f} | {m.p95:.1f} | {statistics.median(m.sql_ms):.1f} "
            f"| {statistics.median(m.cpu_ms):.1f} | {m.queries} | {verdict} |"
        )
    return "\n".join(lines)


def machine() -> str:
    from django.db import connection

    settings = ("server_version", "jit", "work_mem", "shared_buffers", "max_parallel_workers_per_gather")
    with connection.cursor() as cursor:
        values = {}
        for name in settings:
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
    pg = values.pop("server_version")
    return (
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), PostgreSQL {pg} "
        f"({', '.join(f'{k}={v}' for k, v in values.items())}), Python {platform.python_version()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reset", action="store_true", help=f"drop {BENCH_DB} and reload the data")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint and role")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests before the timed ones")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print every query of each endpoint and EXPLAIN ANALYZE those of 2 ms or more",
    )
    args = parser.parse_args(argv)

    ensure_database(reset=args.reset)
    setup_django()
    migrate()

    from django.db import connections

    from incidents.models import Incident

    existing = Incident.objects.count()
    if 0 < existing < INCIDENTS:
        print(
            f"{BENCH_DB} holds {existing:,} incidents (fewer than {INCIDENTS:,}): recreating it.", flush=True
        )
        connections.close_all()
        ensure_database(reset=True)
        migrate()
        existing = 0
    _, responder, pool = ensure_users()
    if existing == 0:
        print(f"Loading {INCIDENTS:,} incidents into {BENCH_DB} ...", flush=True)
        load(INCIDENTS, responder=responder, pool=pool)
    print(f"  ANALYZE in {analyze():.1f}s")
    for line in describe_data():
        print("  " + line)
    print(f"Machine: {machine()}")
    print(
        f"Measuring: {args.warmup} warm-ups then {args.requests} timed requests per endpoint and role",
        flush=True,
    )
    load_before = os.getloadavg()
    results = run(args)
    load_after = os.getloadavg()
    print()
    print(table(results))
    print(
        f"\nLoad average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f} on {os.cpu_count()} CPUs"
    )
    if max(load_before[0], load_after[0]) > 0.5 * (os.cpu_count() or 1):
        print(
            "WARNING: the machine was busy with other work; wall times are inflated (see SQL and CPU columns)."
        )
    if args.explain:
        for m in results:
            explain(m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
