"""Timing of in-process requests: wall, database driver and CPU time per request."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

TARGETS_MS = {"list": 30.0, "detail": 30.0, "kpis": 150.0}


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
