"""Time the rendering of a regulator report PDF whose incident has 200 timeline events.

Run from the repository root: ``.venv/bin/python bench/report_pdf.py``. It uses a
throw-away SQLite database in a temporary folder, so it never touches real data.
"""

from __future__ import annotations

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

RUNS = 7


def main() -> None:
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
        incident_services.incident_add_note(
            incident=incident,
            actor=user,
            text=f"Timeline entry {number}: " + "investigation detail " * 8,
            occurred_at=detected + timedelta(minutes=number),
        )
    entity = LegalEntity.objects.create(
        name="Bench AG", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    services.assessment_save(
        incident=incident, actor=user, data={"entity": entity, "personal_data_involved": True, "risk": "high"}
    )
    obligation = Obligation.objects.get(incident=incident, code="GDPR/supervisory-authority")
    report = services.report_create(obligation=obligation, actor=user)
    print(f"timeline events: {incident.timeline.count()}")
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        pdf = render_report_pdf(report, draft=True)
        timings.append(time.perf_counter() - start)
    print(f"PDF bytes: {len(pdf)}; runs: {RUNS}")
    print(f"median {statistics.median(timings):.3f} s, best {min(timings):.3f} s, worst {max(timings):.3f} s")


if __name__ == "__main__":
    main()
