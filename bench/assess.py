"""Benchmark of the regime engine: parse + assess + to_json over 10,000 varied fact sets, and
the typed ``assess(Facts)`` alone, which is what the portal calls (``obligations_refresh``
builds ``Facts`` from the incident's records; the JSON entry point serves the command and the API).

Run from the repository root: `python bench/assess.py [--count N] [--explain]`.
The fact sets are built from fixed seeds, so every run assesses the same input. A
first batch warms the zone and holiday-calendar caches and is not timed; each timed
pass then assesses a *different* batch, so the per-instant caches (rendered times,
ends of days) gain nothing from repeated input. The best of `--passes` passes is
reported, with the median and the CPU time, since a shared machine makes wall-clock
figures noisy.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compliance.regimes import DORA_DESIGNATIONS, assess, assess_json, parse_facts

SEED = 20261127
ENTITIES: tuple[tuple[str, str], ...] = (
    ("DE", "Europe/Berlin"),
    ("FR", "Europe/Paris"),
    ("BE", "Europe/Brussels"),
    ("GB", "Europe/London"),
    ("IE", "Europe/Dublin"),
    ("US", "America/New_York"),
    ("US", "America/Chicago"),
    ("US", "America/Los_Angeles"),
    ("BR", "America/Sao_Paulo"),
    ("IN", "Asia/Kolkata"),
    ("SG", "Asia/Singapore"),
    ("AU", "Australia/Sydney"),
    ("CA", "America/Toronto"),
    ("NP", "Asia/Kathmandu"),
)
DESIGNATION_POOL: tuple[str, ...] = (
    "gdpr-controller",
    "gdpr-processor",
    "uk-gdpr-controller",
    "hipaa-covered-entity",
    "hipaa-business-associate",
    "nis2-essential",
    "nis2-important",
    "nis2-trust-service-provider",
    "sec-registrant",
    "nydfs-covered-entity",
    "certin-service-provider",
    "lgpd-controller",
    "lgpd-small-agent",
    "pdpa-organisation",
    "ndb-entity",
    "pipeda-organisation",
    "ca-business",
    "circia-covered-entity",
    "nis2-dora-parallel",
    "dora",
)
DORA_TYPES: tuple[str, ...] = tuple(sorted(DORA_DESIGNATIONS))
RISKS: tuple[str | None, ...] = (None, "none", "low", "risk", "medium", "high")
STATES: tuple[str, ...] = ("US-CA", "US-TX", "US-NY", "US-OK", "US-FL", "FR", "DE", "BR-SP")
FOLLOW_UP_CODES: tuple[str, ...] = ("NIS2/notification", "DORA/initial", "DORA/intermediate", "LGPD/anpd")


def stamp(instant: datetime, rng: random.Random) -> str:
    """An ISO 8601 time stamp with a random offset (the engine must not care which)."""
    offset = timezone(timedelta(minutes=rng.choice((-300, -180, 0, 60, 120, 330, 480))))
    return instant.astimezone(offset).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_fact_set(rng: random.Random) -> dict[str, Any]:
    country, zone_key = rng.choice(ENTITIES)
    aware_at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
    times: dict[str, str] = {"aware_at": stamp(aware_at, rng)}
    for name in (
        "classified_major_at",
        "materiality_determined_at",
        "incident_determined_at",
        "notifiable_assessed_at",
        "ransom_paid_at",
        "handling_ended_at",
    ):
        if rng.random() < 0.5:
            times[name] = stamp(aware_at + timedelta(minutes=rng.randrange(0, 60 * 24 * 90)), rng)
    by_jurisdiction = {state: rng.randrange(0, 2000) for state in rng.sample(STATES, rng.randrange(0, 4))}
    facts: dict[str, Any] = {
        "entity": {
            "name": f"Entity {rng.randrange(1000)}",
            "country": country,
            "timezone": zone_key,
            "designations": [
                rng.choice(DORA_TYPES) if designation == "dora" else designation
                for designation in rng.sample(DESIGNATION_POOL, rng.randrange(1, 6))
            ],
        },
        "times": times,
        "personal_data": {
            "involved": rng.random() < 0.8,
            "risk": rng.choice(RISKS),
            "subjects": rng.randrange(0, 5000),
            "by_jurisdiction": by_jurisdiction,
            "phi": rng.random() < 0.5,
            "unsecured": rng.random() < 0.7,
        },
        "significant": rng.random() < 0.5,
        "major": rng.random() < 0.5,
        "material": rng.random() < 0.5,
    }
    if rng.random() < 0.4:
        facts["submitted"] = {
            code: stamp(aware_at + timedelta(hours=rng.randrange(1, 100)), rng)
            for code in rng.sample(FOLLOW_UP_CODES, rng.randrange(1, 3))
        }
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--explain", action="store_true", help="also build the explanation")
    parser.add_argument("--passes", type=int, default=3, help="timed passes; the best one is reported")
    args = parser.parse_args()
    batches = [
        [build_fact_set(rng) for _ in range(args.count)]
        for rng in (random.Random(SEED + number) for number in range(args.passes + 1))
    ]
    for facts in batches[0]:
        assess_json(facts, explain=args.explain)
    # The input batches are a large, long-lived heap that a service would not hold: keep the cyclic
    # garbage collector from re-scanning it on every collection, which would dominate the timing.
    gc.collect()
    gc.freeze()
    wall_times: list[float] = []
    cpu_times: list[float] = []
    obligations = 0
    for fact_sets in batches[1:]:
        obligations = 0
        wall_started, cpu_started = time.perf_counter(), time.process_time()
        for facts in fact_sets:
            obligations += len(assess_json(facts, explain=args.explain)["obligations"])
        wall_times.append(time.perf_counter() - wall_started)
        cpu_times.append(time.process_time() - cpu_started)
    typed_times: list[float] = []
    for fact_sets in batches[1:]:
        parsed = [parse_facts(facts) for facts in fact_sets]
        started = time.perf_counter()
        for facts in parsed:
            assess(facts, explain=args.explain)
        typed_times.append(time.perf_counter() - started)
    per_set = 1e6 / args.count
    print(
        f"{args.count} fact sets per pass, {obligations} obligations in the last; parse + assess + to_json"
        f"{' + explain' if args.explain else ''}: {min(wall_times) * per_set:.1f} µs per fact set "
        f"(best of {args.passes} passes; median {statistics.median(wall_times) * per_set:.1f} µs wall, "
        f"{min(cpu_times) * per_set:.1f} µs CPU)"
    )
    print(
        f"assess(Facts) alone, as the portal calls it: {min(typed_times) * per_set:.1f} µs per fact set "
        f"(best of {args.passes} passes; median {statistics.median(typed_times) * per_set:.1f} µs)"
    )


if __name__ == "__main__":
    main()
