"""Which files of a pack evidence which control, and what an auditor should look for in them.

The mapping is by file pattern, so a control lists exactly the files this
pack holds; a control with no file says so (an empty period is evidence of
nothing having happened, not of a missing process).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any


@dataclass(frozen=True)
class Control:
    framework: str
    control: str
    title: str
    patterns: tuple[str, ...]
    look_for: str


CONTROLS: tuple[Control, ...] = (
    Control(
        "ISO/IEC 27001:2022",
        "A.5.24",
        "Information security incident management planning and preparation",
        ("incidents/*/roles.json", "exercises/*", "incidents/*/incident.json"),
        "Roles were assigned for each incident (who held them and when); the response plan was practised "
        "(exercises with findings and follow-up actions); incidents name the team and playbook used.",
    ),
    Control(
        "ISO/IEC 27001:2022",
        "A.5.25",
        "Assessment and decision on information security events",
        ("incidents/*/incident.json", "incidents/*/assessment.json", "incidents/*/timeline.json"),
        "Each event was classified (severity, category) and assessed; every decision (significant, "
        "major, material, not required) has a time, a person and a written rationale.",
    ),
    Control(
        "ISO/IEC 27001:2022",
        "A.5.26",
        "Response to information security incidents",
        (
            "incidents/*/timeline.json",
            "incidents/*/incident.html",
            "incidents/*/communications.json",
            "incidents/*/roles.json",
        ),
        "The timeline shows acknowledgement, containment and resolution in order and in reasonable time; "
        "stakeholders were informed as the communications show.",
    ),
    Control(
        "ISO/IEC 27001:2022",
        "A.5.27",
        "Learning from information security incidents",
        ("postmortems/*", "exercises/*"),
        "Post-mortems were published with a root-cause analysis; their action items are tracked to "
        "closure with a verification of the fix.",
    ),
    Control(
        "ISO/IEC 27001:2022",
        "A.5.28",
        "Collection of evidence",
        ("incidents/*/evidence/*", "incidents/*/evidence.json", "manifest.json", "verify.py"),
        "Evidence files carry the SHA-256 recorded when they were uploaded, by whom and when; verify.py "
        "shows that they are unchanged (chain of custody).",
    ),
    Control(
        "ISO/IEC 27001:2022",
        "A.8.15",
        "Logging",
        ("audit/*",),
        "The audit trail of the period is one unbroken hash chain, anchored by checkpoints signed with a "
        "key kept outside the database; verify.py checks both.",
    ),
    Control(
        "ISO/IEC 27001:2022",
        "A.8.16",
        "Monitoring activities",
        ("incidents/*/incident.json", "incidents/*/timeline.json"),
        "Detection times (occurred, detected, aware) show that monitoring found the incidents and how "
        "quickly (MTTD, MTTA).",
    ),
    Control(
        "SOC 2",
        "CC7.3",
        "Evaluation of security events",
        ("incidents/*/incident.json", "incidents/*/assessment.json"),
        "Security events were evaluated to decide whether they are incidents (declined ones included), "
        "with the reasoning recorded.",
    ),
    Control(
        "SOC 2",
        "CC7.4",
        "Response to security incidents",
        (
            "incidents/*/timeline.json",
            "incidents/*/roles.json",
            "incidents/*/communications.json",
            "incidents/*/reports/*",
        ),
        "The defined response programme was executed: roles, containment, communication, and notification "
        "of regulators where required.",
    ),
    Control(
        "SOC 2",
        "CC7.5",
        "Recovery from security incidents",
        ("postmortems/*", "incidents/*/timeline.json"),
        "Recovery was completed and lessons were turned into action items that were done and verified.",
    ),
    Control(
        "NIS2",
        "Art. 21(2)(b)",
        "Incident handling",
        ("incidents/*", "postmortems/*"),
        "Incidents were detected, analysed, contained and responded to, and the response reviewed.",
    ),
    Control(
        "NIS2",
        "Art. 23",
        "Reporting obligations",
        ("incidents/*/assessment.json", "incidents/*/reports/*"),
        "Significant incidents were notified to the CSIRT or competent authority within 24 h (early "
        "warning), 72 h (notification) and one month (final report); the assessment says why others were not.",
    ),
)


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch(path, pattern) for pattern in patterns)


def controls_map(paths: list[str], reports_by_regime: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Every control with the pack's files that evidence it; one extra entry per notifying regime."""
    mapped = [
        {
            "framework": control.framework,
            "control": control.control,
            "title": control.title,
            "files": sorted(p for p in paths if _matches(p, control.patterns)),
            "look_for": control.look_for,
        }
        for control in CONTROLS
    ]
    for regime, files in sorted(reports_by_regime.items()):
        mapped.append(
            {
                "framework": "Regulator notifications",
                "control": regime,
                "title": f"Notifications under {regime}",
                "files": sorted(files),
                "look_for": "Each report is the PDF exactly as submitted (its SHA-256 recorded at submission), "
                "approved by a second person before it was sent, within the deadline of its obligation.",
            }
        )
    return mapped
