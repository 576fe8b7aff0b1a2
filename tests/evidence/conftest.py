"""A small world for evidence packs: a breach with evidence, an assessment and a report as sent,
an outage with a published post-mortem, and a restricted incident the auditor may not see."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from compliance import services as compliance_services
from compliance.models import LegalEntity, Obligation, RegulatorReport
from incidents.models import Evidence, Incident
from incidents.services import evidence_add
from postmortems import services as postmortem_services
from tests.compliance.conftest import assess, make_breach
from tests.factories import UserFactory
from tests.postmortems.factories import make_publishable, resolve, start_postmortem

# The smallest valid PNG: evidence is type-checked by content.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class World:
    breach: Incident
    outage: Incident
    restricted: Incident
    report: RegulatorReport
    evidence: Evidence


@pytest.fixture
def world(
    db, responder, teammate, compliance_officer, author, auditor, incident, restricted_incident
) -> World:
    bank = LegalEntity.objects.create(
        name="Example Bank AG", country="DE", timezone="Europe/Berlin", designations=["gdpr-controller"]
    )
    breach = make_breach(responder)
    evidence = evidence_add(
        incident=breach,
        actor=responder,
        upload=SimpleUploadedFile("bucket-policy.png", PNG, content_type="image/png"),
        description="Screenshot of the public bucket policy",
    )
    assess(breach, bank, compliance_officer)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    second = UserFactory(username="compliance2", role="Compliance Officer")
    report = compliance_services.report_create(obligation=obligation, actor=compliance_officer)
    fields = {key: f"Answer for {key}" for key in report.obligation.required_fields}
    compliance_services.report_update(
        report=report, actor=compliance_officer, fields=fields, expected_version=1
    )
    compliance_services.report_transition(report=report, action="submit_for_review", actor=compliance_officer)
    compliance_services.report_transition(report=report, action="approve", actor=second)
    report = compliance_services.report_transition(
        report=report,
        action="submit",
        actor=second,
        submission=compliance_services.SubmissionInput(reference="DPA-1"),
    )
    reviewer = UserFactory(username="reviewer", role="Post-mortem Author")
    postmortem = start_postmortem(author, [resolve(incident, responder)], reviewers=[reviewer])
    make_publishable(postmortem, author)
    postmortem_services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    postmortem_services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    return World(
        breach=breach, outage=incident, restricted=restricted_incident, report=report, evidence=evidence
    )


def run_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("evidence_pack", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0)
    return code, out.getvalue(), err.getvalue()


def make_pack(path: Path, *args: str) -> Path:
    code, _out, err = run_command("--from", "2000-01-01", "--to", "2099-12-31", "--output", str(path), *args)
    assert code == 0, err
    return path


def run_verifier(pack: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The pack's own verify.py, extracted beside nothing else and run in an isolated interpreter."""
    folder = pack.parent / f"{pack.stem}-verifier"
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(pack) as archive:
        (folder / "verify.py").write_bytes(archive.read("verify.py"))
    return subprocess.run(
        [sys.executable, "-I", str(folder / "verify.py"), str(pack), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rewrite(pack: Path, target: Path, change: Any) -> Path:
    """Copy the pack member by member; ``change(name, data)`` returns new bytes, or None to drop it."""
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            if data is not None:
                copy.writestr(info.filename, data)
    return target


def members(pack: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(pack) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
