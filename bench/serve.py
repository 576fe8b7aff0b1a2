#!/usr/bin/env python
"""The portal under gunicorn with the shipped config, next to a bare DRF hello view.

    .venv/bin/python bench/serve.py            # 30 s per target
    .venv/bin/python bench/serve.py --quick    # 8 s per target

Loads a bench database (SQLite unless DATABASE_URL names a portal_bench* PostgreSQL database),
starts ``gunicorn -c gunicorn.conf.py portal.wsgi`` on 127.0.0.1, drives the incident list and
detail endpoints with 8 concurrent keep-alive connections (an API token) for a bounded time,
then ``bench.serve_hello`` the same way, and prints req/s, p50, p99 and errors of each. It stops
its servers itself; nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import RESPONDER_USER, ROOT, Target, loadavg, setup_django

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
DB_NAME = "portal_bench_serve"
SIZE = 5_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(app: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", app]
    env = {**env, "GUNICORN_ACCESS_LOG": str(log), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn {app} stopped at start; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn {app} did not listen within 90 s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def drive(port: int, paths: list[str], headers: dict[str, str], seconds: float) -> dict[str, float]:
    """CONNECTIONS threads, each with one keep-alive connection, until the deadline."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        i = offset
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": cuts[98],
        "errors": errors[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="gunicorn with gunicorn.conf.py vs a bare DRF hello view")
    parser.add_argument("--quick", action="store_true", help="8 s per target instead of 30 s")
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (8.0 if args.quick else 30.0)
    target = Target(quick=True)
    load_before = loadavg()
    target.create(DB_NAME)
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "incidents.py"), "--load-only", DB_NAME, "--size", str(SIZE)],
        check=True,
        env={**target.environ(DB_NAME), "BENCH_TARGET_VENDOR": target.vendor},
    )
    setup_django(target, DB_NAME)
    from django.contrib.auth import get_user_model

    from incidents.selectors import incidents_visible_to
    from portal.tokens import api_token_create

    user = get_user_model().objects.get(username=RESPONDER_USER)
    key = api_token_create(user=user, name="bench serve", actor=user).key
    ids = list(incidents_visible_to(user).order_by("-detected_at").values_list("id", flat=True)[:200])
    paths = ["/api/v1/incidents/?page_size=50"] + [f"/api/v1/incidents/{pk}/" for pk in ids[:20]]
    headers = {"Authorization": f"Token {key}", "Host": "127.0.0.1"}
    env = {**target.environ(DB_NAME), "MFA_REQUIRED_GROUPS": "", "DEBUG": "false"}
    logs = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    results = {}
    for name, app, urls, hdrs in (
        ("portal list+detail", "portal.wsgi", paths, headers),
        ("bare DRF hello", "bench.serve_hello:application", ["/hello/"], {"Host": "127.0.0.1"}),
    ):
        process, port = start(app, env, logs / f"{app.split(':')[0]}.log")
        try:
            drive(port, urls, hdrs, min(3.0, seconds / 4))  # warm every worker
            results[name] = drive(port, urls, hdrs, seconds)
        finally:
            stop(process)
    print(
        f"\n{CONNECTIONS} connections, {seconds:.0f} s each, gunicorn.conf.py ({os.cpu_count()} CPUs); logs in {logs}"
    )
    print("| target | requests | req/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests']:.0f} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']:.0f} |"
        )
    print(f"Load average (1 min) before/after: {load_before:.2f} / {loadavg():.2f} on {os.cpu_count()} CPUs")
    from django.db import connections

    connections.close_all()
    target.drop(DB_NAME)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
