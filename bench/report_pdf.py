"""Time the rendering of a regulator report PDF whose incident has 200 timeline events.

Run from the repository root: ``.venv/bin/python bench/report_pdf.py [--quick]``. It uses a
throw-away SQLite database in a temporary folder, so it never touches real data.

The portal's path (``render_report_pdf``: template, forked child with the URL fetcher and the
limits, after the worker's warm-up as ``portal/wsgi.py`` does it) alternates run by run with a
bare ``weasyprint.HTML(string=html, base_url=...).write_pdf()`` of the same HTML in this process,
and prints ``ratio report pdf/bare weasyprint: X`` (median over median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-pdf-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

RUNS = 15
QUICK_RUNS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description="Regulator report PDF vs bare WeasyPrint")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs of each instead of {RUNS}")
    runs = QUICK_RUNS if parser.parse_args().quick else RUNS
    load_before = os.getloadavg()[0]
    call_command("migrate", verbosity=0)
    from compliance import services
    from compliance.documents import render_report_pdf
    from compliance.models import LegalEntity, Obligation
    from incidents import services as incident_services
    from incidents.models import Category, Severity

    user = get_user_model().objects.create_user("bench", password="x" * 20)
    user.is_superuser = True
    user.save()
    detected = timezone.now() - timedelta(days=3)
    incident = incident_services.incident_create(
        actor=user,
        title="Benchmark breach",
        severity=Severity.objects.get(name="SEV1"),
        category=Category.objects.get(slug="data-breach"),
        detected_at=detected,
        summary="Bench " * 200,
    )
    for number in range(199):
        event = incident_services.incident_add_note(
            incident=incident,
            actor=user,
            text=f"Timeline entry {number}: " + "investigation detail " * 8,
            occurred_at=detected + timedelta(minutes=number),
        )
        # Since issue 13 a report prints only the lines marked for regulators, and only when the
        # timeline is included: mark every note, so the PDF holds the 200 lines issue 16 measures.
        incident_services.timeline_mark_for_regulators(event=event, actor=user, for_regulators=True)
    entity = LegalEntity.objects.create(
        name="Bench AG", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    services.assessment_save(
        incident=incident, actor=user, data={"entity": entity, "personal_data_involved": True, "risk": "high"}
    )
    obligation = Obligation.objects.get(incident=incident, code="GDPR/supervisory-authority")
    report = services.report_create(obligation=obligation, actor=user)
    report = services.report_update(
        report=report, actor=user, fields=report.fields, expected_version=report.version, include_timeline=True
    )
    from compliance.documents import regulator_timeline

    printed = len(regulator_timeline(report, moment=timezone.now()))
    print(f"timeline events: {incident.timeline.count()}, printed in the report: {printed}")
    from django.template.loader import render_to_string

    from compliance.documents import report_context
    from portal import pdf as portal_pdf

    warmed = time.perf_counter()
    portal_pdf.warm_up()  # what every worker does at start (portal/wsgi.py)
    print(f"warm-up (import WeasyPrint, load fonts) {time.perf_counter() - warmed:.3f} s, once per worker")
    print(f"HarfBuzz subsetting: {portal_pdf.harfbuzz_subsetting()}")
    import weasyprint

    html = render_to_string("pdf/regulator_report.html", report_context(report, draft=True))
    static = (ROOT / "static").as_uri() + "/"
    portal_times, bare_times = [], []
    for run in range(runs):
        for which in ("portal", "bare") if run % 2 == 0 else ("bare", "portal"):
            start = time.perf_counter()
            if which == "portal":
                pdf = render_report_pdf(report, draft=True)
                portal_times.append(time.perf_counter() - start)
            else:
                bare = weasyprint.HTML(string=html, base_url=static).write_pdf()
                bare_times.append(time.perf_counter() - start)
    print(f"PDF bytes: {len(pdf)} (bare: {len(bare)}); runs: {runs} of each, interleaved")
    for name, timings in (("portal", portal_times), ("bare weasyprint", bare_times)):
        print(
            f"{name:>16}: median {statistics.median(timings):.3f} s, best {min(timings):.3f} s, "
            f"worst {max(timings):.3f} s"
        )
    print(
        f"ratio report pdf/bare weasyprint: {statistics.median(portal_times) / statistics.median(bare_times):.3f}"
    )
    print(
        f"Load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
