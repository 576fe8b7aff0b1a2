"""Time an evidence pack of a year of the demo data, and its offline verification.

Run from the repository root::

    .venv/bin/python bench/evidence_pack.py [--quick] [--runs N]

It uses a throw-away SQLite database (``PORTAL_VAR_DIR`` in a temporary
folder; ``DATABASE_URL`` is ignored), loads the demo data with ``seed_demo``
(about a minute and a half on 2 cores; the seeded database is kept in
``bench/results/`` and reused by later runs, so delete it to seed afresh),
then, interleaved in each run:

1. ``manage.py evidence_pack`` for the last 365 days (every incident of the demo);
2. the bare baseline: the same member files written into a ZIP with ``zipfile``
   and nothing else (no queries, no rendering, no hashing, no signing);
3. the pack's own ``verify.py`` in an isolated interpreter (``python -I``).

Target: a year of the demo data packs in under 30 s. Prints the median and best
of each, the pack's size and file count, ``ratio evidence pack/bare zip: X``
and the load average before and after. ``--quick``: one run of a 90-day pack.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SEEDED = RESULTS / "evidence-demo.sqlite3"
VAR = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
sys.path.insert(0, str(ROOT))
os.environ["PORTAL_VAR_DIR"] = str(VAR)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
KEY = SEEDED.with_name(SEEDED.stem + "-key.pem")
MEDIA = SEEDED.with_name(SEEDED.stem + "-media")
if SEEDED.exists():
    shutil.copy(SEEDED, VAR / "portal.sqlite3")
    if KEY.exists():
        shutil.copy(KEY, VAR / "audit_signing_key.pem")
    if MEDIA.is_dir():
        shutil.copytree(MEDIA, VAR / "media")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def seed() -> None:
    call_command("migrate", verbosity=0)
    from incidents.models import Incident

    if Incident.objects.exists():
        return
    started = time.perf_counter()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    print(f"seed_demo: {time.perf_counter() - started:.1f} s (kept in {SEEDED} for later runs)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    from django.db import connection

    connection.close()
    shutil.copy(VAR / "portal.sqlite3", SEEDED)
    if (VAR / "audit_signing_key.pem").exists():
        shutil.copy(VAR / "audit_signing_key.pem", KEY)
    if (VAR / "media").is_dir():
        shutil.copytree(VAR / "media", MEDIA, dirs_exist_ok=True)


def pack(days: int, output: Path) -> float:
    today = timezone.localdate()
    started = time.perf_counter()
    call_command(
        "evidence_pack",
        "--from",
        str(today - timedelta(days=days)),
        "--to",
        str(today),
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    return time.perf_counter() - started


def bare_zip(source: Path, output: Path) -> float:
    with zipfile.ZipFile(source) as archive:
        contents = [(name, archive.read(name)) for name in archive.namelist()]
    started = time.perf_counter()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as copy:
        for name, data in contents:
            copy.writestr(name, data)
    return time.perf_counter() - started


def verify(source: Path) -> float:
    folder = VAR / "verifier"
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(source) as archive:
        (folder / "verify.py").write_bytes(archive.read("verify.py"))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-I", str(folder / "verify.py"), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"verify.py failed: {result.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one run of a 90-day pack")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    days, runs = (90, 1) if args.quick else (365, max(1, args.runs))
    print(f"load average before: {load()}")
    seed()
    packs, bares, verifies = [], [], []
    output = VAR / "pack.zip"
    for _ in range(runs):
        packs.append(pack(days, output))
        bares.append(bare_zip(output, VAR / "bare.zip"))
        verifies.append(verify(output))
    with zipfile.ZipFile(output) as archive:
        files = len(archive.namelist())
    print(f"pack of {days} days: {output.stat().st_size / 1e6:.1f} MB, {files} files")
    print("| step | median | best |")
    print("|---|---|---|")
    for name, values in (
        ("evidence_pack", packs),
        ("bare zip of the same files", bares),
        ("verify.py -I", verifies),
    ):
        print(f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f} s |")
    print(f"ratio evidence pack/bare zip: {statistics.median(packs) / statistics.median(bares):.1f}")
    target = "met" if statistics.median(packs) < 30 else "NOT met"
    print(
        f"target (a year under 30 s): {target}"
        if days == 365
        else "target: measured on a year without --quick"
    )
    print(f"load average after: {load()}")
    shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
