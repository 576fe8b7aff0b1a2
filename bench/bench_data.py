"""The data of the incident benchmarks: users, a deterministic generator, and the loader.

Written with COPY on PostgreSQL (executemany on SQLite), not through ``incidents.services``:
the services are for correctness, here we want volume. The KPI rollup triggers are lifted
during the load and the rollup rebuilt after it (``rebuild_kpis``), which is faster than a
trigger per row and exercises the rebuild.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench_common import COMPLIANCE_GROUP, COMPLIANCE_USER, RESPONDER_GROUP, RESPONDER_USER

SEED = 20_250_101
HISTORY_DAYS = 3 * 365
POOL_USERS = 80


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


class _Discard(list):  # type: ignore[type-arg]
    """A timeline that keeps nothing: the KPI databases need no timeline (and 1M incidents' worth
    of it would not fit in memory)."""

    def append(self, item: Any) -> None:
        pass


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


def generate(
    n: int, *, responder_id: int, usernames: dict[int, str], now: datetime, timeline: bool = True
) -> Generated:
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
    if not timeline:
        out.timeline = _Discard()
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


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return str(value.astimezone(UTC).replace(tzinfo=None))
    return value


def _copy(model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` (values of the fields ``names``) into ``model``'s table. Every other
    required column gets its model default, so a field added later does not break the loader;
    one without a default stops it with a clear message."""
    from django.db import connection

    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in names]
    extra: list[Any] = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in names or model_field.column in columns or model_field.null:
            continue
        if model_field.primary_key:
            continue
        if not model_field.has_default():
            raise SystemExit(f"bench loader: {table}.{model_field.column} is required and has no default")
        columns.append(model_field.column)
        extra.append(model_field.get_db_prep_save(model_field.get_default(), connection))
    if extra:
        rows = (tuple(row) + tuple(extra) for row in rows)
    cols = ", ".join(f'"{c}"' for c in columns)
    if connection.vendor != "postgresql":
        marks = ", ".join("%s" for _ in columns)
        with connection.cursor() as cursor:
            cursor.executemany(
                f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
                [[_sqlite_value(v) for v in row] for row in rows],
            )
        return
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def load(n: int, *, responder: Any, pool: Sequence[Any], timeline: bool = True) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from incidents import kpi_rollup
    from incidents.models import Incident, ReferenceCounter, RoleAssignment, Service, TimelineEvent

    t0 = time.perf_counter()
    now = datetime.now(UTC)
    if not Service.objects.exists():
        Service.objects.bulk_create(
            Service(name=name, tier=1 + i % 4, owner=f"Team {name.split()[0]}")
            for i, name in enumerate(SERVICE_NAMES)
        )
    usernames = {u.pk: u.username for u in [*pool, responder]}
    data = generate(n, responder_id=responder.pk, usernames=usernames, now=now, timeline=timeline)
    t1 = time.perf_counter()
    print(
        f"  generated {len(data.incidents):,} incidents, {len(data.timeline):,} timeline events, "
        f"{len(data.roles):,} role assignments, {len(data.services):,} service links "
        f"in {t1 - t0:.1f}s",
        flush=True,
    )
    through = Incident.services.through
    with transaction.atomic():
        kpi_rollup.uninstall(connection)
        kpi_rollup.uninstall_seat_flags(connection)
        _copy(Incident, INCIDENT_COLUMNS, data.incidents)
        _copy(through, ["incident", "service"], data.services)
        _copy(TimelineEvent, TIMELINE_COLUMNS, data.timeline)
        _copy(RoleAssignment, ROLE_COLUMNS, data.roles)
        for year, last in data.counters.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": last})
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Incident]):
                cursor.execute(statement)
        kpi_rollup.install(connection)
        kpi_rollup.install_seat_flags(connection)
        groups, _flags = kpi_rollup.rebuild()  # also gives the copied role assignments their flags
    t2 = time.perf_counter()
    print(f"  copied in {t2 - t1:.1f}s (KPI rollup rebuilt: {groups} groups)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"  vacuum analyze in {time.perf_counter() - t2:.1f}s", flush=True)
