#!/usr/bin/env python
"""Server-time benchmark of the incident list, detail and KPI endpoints.

Not a test: it loads incidents (timelines, role holders, affected services) into a
database of its own and times the API in-process with Django's test client, as a
compliance officer (sees everything) and as an incident responder (restricted
incidents filtered), then prints two ratios measured in the same run, interleaved:

    ratio list/bare drf: X       the portal's list over a bare DRF ListAPIView (bench/bench_bare.py)
    ratio kpis 10x data: X       KPI time on --size incidents over KPI time on a tenth of them

    .venv/bin/python bench/incidents.py                  # 100,000 incidents on PostgreSQL
    .venv/bin/python bench/incidents.py --size 1000000   # one million (KPI ratio against 100,000)
    .venv/bin/python bench/incidents.py --quick          # 20,000 / 2,000, SQLite unless DATABASE_URL
    .venv/bin/python bench/incidents.py --explain        # also EXPLAIN ANALYZE the slow queries

Modules: bench_common (databases, refusal), bench_data (generator, COPY loader),
bench_measure (timers), bench_bare (the bare baselines).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (
    COMPLIANCE_USER,
    RESPONDER_USER,
    Target,
    add_alias,
    loadavg,
    machine,
    migrate,
    setup_django,
)

LIST_URL = (
    "/api/v1/incidents/?status=acknowledged&status=contained&severity=SEV1&severity=SEV2"
    "&ordering=-detected_at&page_size=50"
)
BARE_URL = (
    "/bench/bare-incidents/?status=acknowledged&status=contained&severity=SEV1&severity=SEV2&page_size=50"
)
KPI_URL = "/api/v1/kpis/"
# The fixed cost of any authenticated API request (session, user, permissions, DRF): four rows.
BASELINE_URL = "/api/v1/severities/"
SEED = 20_250_101


def ensure_loaded(target: Target, name: str, size: int, *, reset: bool) -> None:
    """Load ``size`` incidents into ``name`` unless it holds exactly that many (in this process)."""
    from bench_data import ensure_users, load
    from django.db import connections

    from incidents.models import Incident

    target.create(name, reset=reset)
    migrate()
    existing = Incident.objects.count()
    if existing not in (0, size):
        print(f"{name} holds {existing:,} incidents, not {size:,}: recreating it.", flush=True)
        connections.close_all()
        target.create(name, reset=True)
        migrate()
        existing = 0
    _, responder, pool = ensure_users()
    if existing == 0:
        print(f"Loading {size:,} incidents into {name} ...", flush=True)
        load(size, responder=responder, pool=pool, timeline=size <= 100_000)


def load_in_child(target: Target, name: str, size: int) -> None:
    target.create(name)
    command = [sys.executable, __file__, "--load-only", name, "--size", str(size)]
    subprocess.run(command, check=True, env={**target.environ(name), "BENCH_TARGET_VENDOR": target.vendor})


def _fixed(url: str) -> Callable[[int], str]:
    return lambda i: url


def table_rows(args: argparse.Namespace) -> list[Any]:
    from bench_measure import measure
    from django.contrib.auth import get_user_model
    from django.test import Client

    from incidents.selectors import incidents_visible_to

    results = []
    for role, username in (("compliance", COMPLIANCE_USER), ("responder", RESPONDER_USER)):
        user = get_user_model().objects.get(username=username)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        ids = list(incidents_visible_to(user).values_list("id", flat=True))
        rng = random.Random(SEED + len(role))
        detail_ids = [rng.choice(ids) for _ in range(args.warmup + args.requests + 1)]
        plans: list[tuple[str, Callable[[int], str]]] = [
            ("list", _fixed(LIST_URL)),
            ("detail", lambda i, ids=detail_ids: f"/api/v1/incidents/{ids[i]}/"),  # type: ignore[misc]
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


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"answered {response.status_code}: {getattr(response, 'content', b'')[:300]!r}")
    return elapsed


def list_ratio(requests: int) -> float:
    """Portal list over the bare DRF list, same URL parameters, alternating request by request."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    worst = 0.0
    for username in (COMPLIANCE_USER, RESPONDER_USER):
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(username=username))
        portal, bare = [], []
        for i in range(requests + 5):
            first, second = (LIST_URL, BARE_URL) if i % 2 else (BARE_URL, LIST_URL)
            a, b = _timed(lambda u=first, c=client: c.get(u)), _timed(lambda u=second, c=client: c.get(u))
            if i >= 5:
                (portal if first == LIST_URL else bare).append(a)
                (bare if first == LIST_URL else portal).append(b)
        ratio = statistics.median(portal) / statistics.median(bare)
        print(
            f"  list {username}: portal median {statistics.median(portal):.2f} ms, "
            f"bare DRF {statistics.median(bare):.2f} ms, ratio {ratio:.3f}"
        )
        worst = max(worst, ratio)
    return worst


def kpi_ratio(requests: int, small: int, large: int) -> float:
    """KPI view time on the large database over the small one, alternating, per role."""
    from bench_bare import current_alias
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIRequestFactory, force_authenticate

    from incidents.api.views import KpiView

    view, factory = KpiView.as_view(), APIRequestFactory()
    worst = 0.0
    for username in (COMPLIANCE_USER, RESPONDER_USER):
        times: dict[str, list[float]] = {"small": [], "large": []}
        users = {
            alias: get_user_model().objects.using(db).get(username=username)
            for alias, db in (("small", "kpi_small"), ("large", "default"))
        }

        def call(alias: str, users: dict[str, Any] = users) -> Any:
            token = current_alias.set("kpi_small" if alias == "small" else "default")
            try:
                request = factory.get(KPI_URL)
                force_authenticate(request, user=users[alias])
                return view(request)
            finally:
                current_alias.reset(token)

        for i in range(requests + 3):
            order = ("small", "large") if i % 2 else ("large", "small")
            for alias in order:
                elapsed = _timed(lambda a=alias: call(a))
                if i >= 3:
                    times[alias].append(elapsed)
        s, lg = statistics.median(times["small"]), statistics.median(times["large"])
        print(
            f"  kpis {username}: {small:,} incidents {s:.2f} ms, {large:,} incidents {lg:.2f} ms, x{lg / s:.2f}"
        )
        worst = max(worst, lg / s)
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="20,000 / 2,000 incidents, fewer requests (< 60 s)"
    )
    parser.add_argument(
        "--size", type=int, default=None, help="incidents in the main database (default 100,000)"
    )
    parser.add_argument("--reset", action="store_true", help="drop the main bench database and reload it")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per endpoint and role")
    parser.add_argument("--warmup", type=int, default=None, help="untimed requests before the timed ones")
    parser.add_argument("--keep", action="store_true", help="keep the KPI comparison database afterwards")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every query of 2 ms or more")
    parser.add_argument("--load-only", metavar="NAME", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = args.size or (20_000 if args.quick else 100_000)
    args.requests = args.requests or (20 if args.quick else 200)
    args.warmup = args.warmup or (3 if args.quick else 20)

    if args.load_only:  # a child process filling the KPI comparison database
        target = Target(quick=os.environ.get("BENCH_TARGET_VENDOR") == "sqlite")
        setup_django(target, args.load_only)
        ensure_loaded(target, args.load_only, size, reset=False)
        return 0

    target = Target(quick=args.quick)
    main_db = target.base if args.size is None or args.quick else f"{target.base}_{size}"
    small_db = f"{target.base}_kpi_{size // 10}"
    load_before = loadavg()
    started = time.perf_counter()
    load_in_child(target, small_db, size // 10)
    setup_django(target, main_db)
    ensure_loaded(target, main_db, size, reset=args.reset)
    add_alias("kpi_small", target, small_db)
    import bench_bare
    from bench_common import analyze, describe_data

    bench_bare.install()
    print(f"  ANALYZE in {analyze():.1f}s; data ready in {time.perf_counter() - started:.1f}s")
    for line in describe_data():
        print("  " + line)
    print(f"Machine: {machine()}")
    print(
        f"Measuring: {args.warmup} warm-ups then {args.requests} timed requests per endpoint and role",
        flush=True,
    )
    from bench_measure import explain, table

    results = table_rows(args)
    print()
    print(table(results))
    print()
    list_x = list_ratio(args.requests)
    kpi_x = kpi_ratio(max(10, args.requests // 2), size // 10, size)
    load_after = loadavg()
    print(f"\nratio list/bare drf: {list_x:.3f}")
    print(f"ratio kpis 10x data: {kpi_x:.3f}")
    print(f"Load average (1 min) before/after: {load_before:.2f} / {load_after:.2f} on {os.cpu_count()} CPUs")
    if max(load_before, load_after) > 0.5 * (os.cpu_count() or 1):
        print(
            "WARNING: the machine was busy with other work; wall times are inflated (see SQL and CPU columns)."
        )
    if args.explain:
        for m in results:
            explain(m)
    from django.db import connections

    connections.close_all()
    if not args.keep:
        target.drop(small_db)
        print(f"Dropped {small_db}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
