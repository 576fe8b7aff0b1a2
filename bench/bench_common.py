"""What every bench shares: its own databases (never yours), Django set-up, machine facts."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
for path in (str(ROOT), str(ROOT / "bench")):
    if path not in sys.path:
        sys.path.insert(0, path)

BENCH_PREFIX = "portal_bench"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
COMPLIANCE_USER = "bench-compliance"
RESPONDER_USER = "bench-responder"
COMPLIANCE_GROUP = "Compliance Officer"
RESPONDER_GROUP = "Incident Responder"
SQLITE_DIR = Path(tempfile.gettempdir()) / "portal-bench"

REFUSAL = (
    "refusing to run: DATABASE_URL names database {name!r}, which is not a bench database.\n"
    "The benches create, fill and drop databases of their own: point DATABASE_URL at a "
    "PostgreSQL server with a database name starting with 'portal_bench', e.g.\n"
    "    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/incidents.py\n"
    "or unset it (full runs then use {default}portal_bench, --quick runs SQLite in {sqlite})."
)


class Target:
    """Where a bench database lives: a PostgreSQL server (by URL) or SQLite files."""

    def __init__(self, *, quick: bool) -> None:
        url = os.environ.get("DATABASE_URL")
        if url:
            name = urlsplit(url).path.lstrip("/")
            if not name.startswith(BENCH_PREFIX):
                raise SystemExit(REFUSAL.format(name=name, default=DEFAULT_SERVER, sqlite=SQLITE_DIR))
            self.server: str | None = urlunsplit(urlsplit(url)._replace(path="/"))
            self.base = name
        elif quick:
            self.server, self.base = None, BENCH_PREFIX
        else:
            self.server, self.base = DEFAULT_SERVER, BENCH_PREFIX

    @property
    def vendor(self) -> str:
        return "sqlite" if self.server is None else "postgresql"

    def url(self, name: str) -> str | None:
        return None if self.server is None else self.server + name

    def sqlite_path(self, name: str) -> Path:
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        return SQLITE_DIR / f"{name}.sqlite3"

    def _psql(self, sql: str) -> str:
        assert self.server is not None
        parts = urlsplit(self.server)
        command = ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
        command += [
            "-U",
            parts.username or "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            sql,
        ]
        env = {**os.environ, **({"PGPASSWORD": parts.password} if parts.password else {})}
        return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout.strip()

    def exists(self, name: str) -> bool:
        if self.server is None:
            return self.sqlite_path(name).exists()
        return self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"

    def create(self, name: str, *, reset: bool = False) -> None:
        assert name.startswith(BENCH_PREFIX)
        if reset:
            self.drop(name)
        if self.server is not None and not self.exists(name):
            print(f"Creating database {name} ...", flush=True)
            self._psql(f'CREATE DATABASE "{name}"')

    def drop(self, name: str) -> None:
        assert name.startswith(BENCH_PREFIX)
        if self.server is None:
            self.sqlite_path(name).unlink(missing_ok=True)
        else:
            self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def environ(self, name: str) -> dict[str, str]:
        """Environment for a process whose default database is ``name``."""
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        url = self.url(name)
        if url:
            env["DATABASE_URL"] = url
        else:
            env["PORTAL_VAR_DIR"] = str(SQLITE_DIR / name)
        return env


def setup_django(target: Target, name: str) -> None:
    os.environ.update(target.environ(name))
    if target.server is None:
        os.environ.pop("DATABASE_URL", None)
        Path(os.environ["PORTAL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The bench users sign in with force_login: no second factor to verify.
    os.environ.setdefault("MFA_REQUIRED_GROUPS", "")
    import django

    django.setup()


def add_alias(alias: str, target: Target, name: str) -> None:
    """A second (read-only) database in this process, configured like the default one."""
    from django.db import connections

    settings = dict(connections.settings["default"])
    settings["NAME"] = name if target.server is not None else str(SQLITE_DIR / name / "portal.sqlite3")
    connections.settings[alias] = settings


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def loadavg() -> float:
    return os.getloadavg()[0]


def machine() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"{os.cpu_count()} CPUs ({platform.machine()}), SQLite, Python {platform.python_version()}"
    names = ("server_version", "jit", "work_mem", "shared_buffers", "max_parallel_workers_per_gather")
    values = {}
    with connection.cursor() as cursor:
        for setting in names:
            cursor.execute(f"SHOW {setting}")
            values[setting] = cursor.fetchone()[0]
    pg = values.pop("server_version")
    return (
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), PostgreSQL {pg} "
        f"({', '.join(f'{k}={v}' for k, v in values.items())}), Python {platform.python_version()}"
    )


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
