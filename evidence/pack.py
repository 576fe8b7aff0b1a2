"""Building an evidence pack: one ZIP that proves how the incidents of a period were handled.

``build_pack`` writes to a temporary file beside the output and renames it
into place only when the pack is complete, so a failure leaves nothing
behind. Layout (every file listed with its SHA-256 in ``manifest.json``)::

    manifest.json  manifest.sig  verify.py  index.html  controls.json
    incidents/<REF>/incident.json  incident.html  timeline.json  roles.json
                    evidence.json  evidence/<id>-<name>  assessment.json
                    reports/<id>-<obligation>.pdf|.json  communications.json
    postmortems/<REF>/postmortem.json  revision-<n>.md  revision-<n>.pdf  action-items.json
    exercises/exercises.json  exercises/exercise-report-<year>.pdf
    compliance/breach-register.csv
    audit/events.jsonl  audit/checkpoints.jsonl  audit/public_key.pem
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from compliance.register import register_rows
from evidence import collect
from evidence.archive import PackArchive
from evidence.audit_segment import segment
from evidence.controls import controls_map
from incidents.selectors import exercise_report
from portal import audit_key
from portal.pdf import PdfRenderError, render_pdf
from postmortems.exports import postmortem_pdf

FORMAT = "incident-portal-evidence-pack/1"
VERIFIER = Path(__file__).with_name("verifier.py")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EverythingViewer:
    """The reader of a pack made on the server by ``manage.py evidence_pack`` without ``--user``:
    whoever runs it already holds the database, so the pack holds everything."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_staff = False

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True

    def has_perms(self, perms: Any, obj: Any = None) -> bool:
        return True

    def get_username(self) -> str:
        return "system"

    def get_full_name(self) -> str:
        return "manage.py evidence_pack (server operator)"


@dataclass(frozen=True)
class PackRequest:
    user: Any
    period_from: date
    period_to: date
    references: tuple[str, ...] = ()
    entity_id: int | None = None


@dataclass
class PackResult:
    path: Path
    size: int
    sha256: str
    incident_count: int
    files: int
    problems: list[str] = field(default_factory=list)


def portal_version() -> str:
    try:
        return importlib.metadata.version("incident-portal")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def revived(value: Any) -> Any:
    """A stored revision snapshot (JSON) with its times as datetimes again, for the PDF template."""
    if isinstance(value, dict):
        return {key: revived(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revived(item) for item in value]
    if isinstance(value, str):
        if _DATETIME.match(value):
            return parse_datetime(value) or value
        if _DATE.match(value):
            return parse_date(value) or value
    return value


def safe_name(text: str, limit: int = 80) -> str:
    return _UNSAFE.sub("_", text).strip("._")[:limit] or "file"


class _Builder:
    def __init__(self, request: PackRequest, archive: PackArchive) -> None:
        self.request = request
        self.user = request.user
        self.archive = archive
        self.start, self.end = collect.period_bounds(request.period_from, request.period_to)
        self.recorded: list[dict[str, str]] = []
        self.reports_by_regime: dict[str, list[str]] = defaultdict(list)
        self.problems: list[str] = []
        self.summaries: list[dict[str, Any]] = []

    # --- one incident ---------------------------------------------------------------------------

    def _stored(self, path: str, stored: Any, recorded_sha: str, source: str) -> bool:
        try:
            with stored.open("rb") as handle:
                self.archive.add_stream(path, handle)
        except (OSError, ValueError) as exc:
            self.problems.append(f"{path}: the stored file could not be read ({exc})")
            return False
        if recorded_sha:
            self.recorded.append({"path": path, "sha256": recorded_sha, "recorded_at": source})
        return True

    def incident(self, incident: Any) -> None:
        base = f"incidents/{safe_name(incident.reference)}"
        record = collect.incident_record(incident)
        timeline = collect.timeline_rows(incident)
        roles = collect.role_rows(incident)
        self.archive.add_json(f"{base}/incident.json", record)
        self.archive.add_json(f"{base}/timeline.json", timeline)
        self.archive.add_json(f"{base}/roles.json", roles)
        evidence_rows = []
        for item in collect.evidence_items(incident):
            path = f"{base}/evidence/{item.pk}-{safe_name(item.original_name)}"
            kept = self._stored(path, item.file, item.sha256, "evidence upload")
            evidence_rows.append(collect.evidence_row(item, path if kept else ""))
        self.archive.add_json(f"{base}/evidence.json", evidence_rows)
        assessment = collect.assessment_for(self.user, incident)
        assessment_data = collect.assessment_record(assessment) if assessment else None
        if assessment_data is not None:
            self.archive.add_json(f"{base}/assessment.json", assessment_data)
        reports = []
        for report in collect.submitted_reports(self.user, incident):
            stem = f"{base}/reports/{report.pk}-{safe_name(report.obligation.code)}"
            pdf_path: str | None = f"{stem}.pdf"
            if not (
                report.pdf and self._stored(f"{stem}.pdf", report.pdf, report.pdf_sha256, "report submission")
            ):
                pdf_path = None
                self.problems.append(f"{stem}.pdf: the submitted PDF is not stored")
            data = collect.report_record(report, pdf_path)
            self.archive.add_json(f"{stem}.json", data)
            reports.append(data)
            self.reports_by_regime[report.obligation.regime] += [p for p in (pdf_path, f"{stem}.json") if p]
        communications = collect.communication_rows(incident)
        self.archive.add_json(f"{base}/communications.json", communications)
        context = {
            "incident": record,
            "timeline": timeline,
            "roles": roles,
            "evidence": evidence_rows,
            "assessment": assessment_data,
            "reports": reports,
            "communications": communications,
        }
        self.archive.add_text(
            f"{base}/incident.html", render_to_string("evidence/pack/incident.html", context)
        )
        self.summaries.append(
            {**record, "folder": base, "reports": len(reports), "evidence_count": len(evidence_rows)}
        )

    # --- everything else ------------------------------------------------------------------------

    def postmortems(self, incident_ids: list[int]) -> list[dict[str, Any]]:
        listed = []
        for postmortem in collect.postmortems_for(self.user, incident_ids):
            base = f"postmortems/{safe_name(postmortem.reference)}"
            record = collect.postmortem_record(postmortem)
            revisions = []
            for revision in collect.published_revisions(postmortem):
                markdown_path = f"{base}/revision-{revision.number}.md"
                self.archive.add_text(markdown_path, revision.markdown)
                self.recorded.append(
                    {"path": markdown_path, "sha256": revision.sha256, "recorded_at": "publication"}
                )
                pdf_path: str | None = f"{base}/revision-{revision.number}.pdf"
                try:
                    self.archive.add_bytes(
                        f"{base}/revision-{revision.number}.pdf", postmortem_pdf(revived(revision.snapshot))
                    )
                except (PdfRenderError, KeyError, TypeError, ValueError) as exc:
                    pdf_path = None
                    self.problems.append(
                        f"{base}/revision-{revision.number}.pdf: could not be rendered ({exc})"
                    )
                revisions.append(
                    {
                        "number": revision.number,
                        "published_at": revision.published_at,
                        "published_by": collect.person(revision.published_by),
                        "markdown": markdown_path,
                        "markdown_sha256": revision.sha256,
                        "pdf": pdf_path,
                    }
                )
            self.archive.add_json(f"{base}/postmortem.json", {**record, "revisions": revisions})
            self.archive.add_json(
                f"{base}/action-items.json", collect.action_item_rows(self.user, postmortem)
            )
            listed.append({**record, "folder": base, "revisions": revisions})
        return listed

    def exercises(self) -> list[dict[str, Any]]:
        exercises = collect.exercises_of_period(self.user, self.start, self.end)
        rows = [
            {
                "id": e.pk,
                "title": e.title,
                "type": e.exercise_type,
                "scheduled_for": e.scheduled_for,
                "conducted_at": e.conducted_at,
                "findings": e.findings,
                "follow_up_actions": e.follow_up_actions,
                "incident": e.incident.reference if e.incident else None,
            }
            for e in exercises
        ]
        self.archive.add_json("exercises/exercises.json", rows)
        for year in range(self.request.period_from.year, self.request.period_to.year + 1):
            if not any((e.conducted_at or e.scheduled_for).year == year for e in exercises):
                continue
            try:
                pdf = render_pdf("pdf/exercise_report.html", {"report": exercise_report(self.user, year)})
            except PdfRenderError as exc:
                self.problems.append(f"exercises/exercise-report-{year}.pdf: could not be rendered ({exc})")
                continue
            self.archive.add_bytes(f"exercises/exercise-report-{year}.pdf", pdf)
        return rows

    def register(self, incident_ids: list[int]) -> None:
        rows = register_rows(iter(collect.register_assessments(self.user, incident_ids)))
        self.archive.add_text("compliance/breach-register.csv", "".join(rows))

    def audit(self, visible_ids: set[int]) -> dict[str, Any]:
        events, checkpoints, summary = segment(self.user, self.start, self.end, visible_ids)
        self.archive.add_lines("audit/events.jsonl", events)
        self.archive.add_lines("audit/checkpoints.jsonl", checkpoints)
        self.archive.add_text("audit/public_key.pem", audit_key.public_key_pem())
        return summary


def _generated_by(user: Any) -> dict[str, Any]:
    return collect.person(user) or {"id": None, "username": "system", "name": "system"}


def write_pack(request: PackRequest, handle: Any) -> tuple[int, int, list[str]]:
    """Write the whole pack to an open binary file; ``(incidents, files, problems)``."""
    archive = PackArchive(handle)
    builder = _Builder(request, archive)
    try:
        incidents = list(
            collect.incidents_of_period(
                request.user,
                builder.start,
                builder.end,
                references=request.references,
                entity_id=request.entity_id,
            )
        )
        for incident in incidents:
            builder.incident(incident)
        ids = [incident.pk for incident in incidents]
        postmortems = builder.postmortems(ids)
        exercises = builder.exercises()
        builder.register(ids)
        audit_summary = builder.audit(set(ids))
        archive.add_bytes("verify.py", VERIFIER.read_bytes())
        paths = [entry.path for entry in archive.entries]
        controls = controls_map(paths, dict(builder.reports_by_regime))
        archive.add_json("controls.json", controls)
        generated_at = timezone.now()
        manifest = {
            "format": FORMAT,
            "portal_version": portal_version(),
            "generated_at": generated_at,
            "generated_by": _generated_by(request.user),
            "period": {"from": request.period_from.isoformat(), "to": request.period_to.isoformat()},
            "filters": {"incidents": list(request.references), "entity": request.entity_id},
            "incident_count": len(incidents),
            "note": "No incidents in this period." if not incidents else "",
            "audit": audit_summary,
            "problems": builder.problems,
            "recorded_sha256": builder.recorded,
        }
        index = render_to_string(
            "evidence/pack/index.html",
            {
                "manifest": manifest,
                "incidents": builder.summaries,
                "postmortems": postmortems,
                "exercises": exercises,
                "controls": controls,
                "key_id": audit_key.key_id(audit_key.public_key(create=True)),
            },
        )
        archive.add_text("index.html", index)
        archive.close(manifest)
    except BaseException:
        archive.abort()
        raise
    return len(incidents), len(archive.entries) + 2, builder.problems


def build_pack(request: PackRequest, output: Path) -> PackResult:
    """Write the pack to ``output`` atomically (a temporary file renamed into place)."""
    output = output.resolve()
    fd, temp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            incidents, files, problems = write_pack(request, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return PackResult(
        path=output,
        size=output.stat().st_size,
        sha256=_file_sha256(output),
        incident_count=incidents,
        files=files,
        problems=problems,
    )


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()
