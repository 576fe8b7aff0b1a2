"""The whole demo data in one pack, verified by its own verify.py in a separate, isolated interpreter."""

from __future__ import annotations

import io
import json

from django.core.management import call_command
from django.utils import timezone

from incidents.models import Incident
from tests.evidence.conftest import members, rewrite, run_command, run_verifier


def test_the_demo_data_packs_and_verifies_offline(db, tmp_path):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    today = timezone.localdate()
    output = tmp_path / "demo.zip"
    code, _out, err = run_command(
        "--from", f"{today.year - 1}-01-01", "--to", str(today), "--output", str(output)
    )
    assert code == 0, err
    result = run_verifier(output)
    assert result.returncode == 0, result.stderr
    files = members(output)
    manifest = json.loads(files["manifest.json"])
    expected = Incident.objects.filter(is_exercise=False, detected_at__year__gte=today.year - 1).count()
    assert manifest["incident_count"] == expected > 20
    assert manifest["audit"]["checkpoints"] >= 1
    assert any(name.endswith(".pdf") and "/reports/" in name for name in files)
    # One byte of one submitted report changed: the verifier names that file.
    report = next(name for name in files if name.endswith(".pdf") and "/reports/" in name)
    tampered = rewrite(output, tmp_path / "tampered.zip", lambda n, d: d[:-2] + b"%%" if n == report else d)
    failed = run_verifier(tampered)
    assert failed.returncode == 1
    assert report in failed.stderr
