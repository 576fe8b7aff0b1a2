"""The quality gate and the computed impact of a post-mortem.

Both work on a post-mortem whose relations are loaded (see
``selectors.postmortem_list``), so that a list of post-mortems does not cost a
query per row. Errors block publishing; warnings only point at what a
reviewer would ask about.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from compliance.selectors import affected_figures
from incidents.choices import IncidentStatus
from postmortems.choices import ACTION_ITEM_OPEN_STATUSES, ImpactSource
from postmortems.models import Postmortem

#: Phrases that put the blame on people instead of on the system around them.
BLAME_PHRASES: dict[str, re.Pattern[str]] = {
    "human error": re.compile(r"\bhuman[\s-]+errors?\b", re.IGNORECASE),
    "should have": re.compile(r"\bshould(?:\s+not)?(?:\s+have|'ve|n't\s+have)\b", re.IGNORECASE),
    "careless": re.compile(r"\bcareless(?:ly|ness)?\b", re.IGNORECASE),
    "fault of": re.compile(r"\bfault\s+of\b", re.IGNORECASE),
    "blame": re.compile(r"\bblam(?:e|ed|es|ing)\b", re.IGNORECASE),
    "negligence": re.compile(r"\bnegligen(?:ce|t|tly)\b", re.IGNORECASE),
}
TIMELINE_GAP = timedelta(hours=1)
MAX_GAP_WARNINGS = 10
RESOLVED_STATUSES = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    field: str = ""


@dataclass(frozen=True)
class Quality:
    errors: list[Finding]
    warnings: list[Finding]

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        return {
            "errors": [asdict(finding) for finding in self.errors],
            "warnings": [asdict(finding) for finding in self.warnings],
        }


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part) or "under a minute"


def _time(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


def _blame_phrases(text: str) -> list[str]:
    return [phrase for phrase, pattern in BLAME_PHRASES.items() if pattern.search(text)]


def _errors(postmortem: Postmortem) -> list[Finding]:
    errors: list[Finding] = []
    for section in postmortem.sections.all():
        if section.required and section.is_empty:
            errors.append(
                Finding(
                    "required_section_empty",
                    f"The required section “{section.title}” is empty.",
                    f"sections.{section.key}",
                )
            )
    if not postmortem.factors.all():
        errors.append(
            Finding(
                "no_contributing_factor",
                "Name at least one contributing factor: incidents never have a single cause.",
                "contributing_factors",
            )
        )
    items = list(postmortem.action_items.all())
    if not items and not postmortem.no_action_items_reason.strip():
        errors.append(
            Finding(
                "no_action_items",
                "Add an action item, or write down why none is needed.",
                "no_action_items_reason",
            )
        )
    for item in items:
        if item.status not in ACTION_ITEM_OPEN_STATUSES:
            continue
        if item.owner_id is None:
            errors.append(
                Finding(
                    "action_item_without_owner",
                    f"Action item “{item.title}” has no owner.",
                    f"action_items.{item.pk}",
                )
            )
        if item.due_date is None:
            errors.append(
                Finding(
                    "action_item_without_due_date",
                    f"Action item “{item.title}” has no due date.",
                    f"action_items.{item.pk}",
                )
            )
    for incident in postmortem.incidents.all():
        if incident.status not in RESOLVED_STATUSES:
            errors.append(
                Finding(
                    "incident_not_resolved",
                    f"{incident.reference} is {IncidentStatus(incident.status).label.lower()}: "
                    "publish once it is resolved.",
                    "incidents",
                )
            )
    return errors


def _blame_warnings(postmortem: Postmortem) -> list[Finding]:
    texts: list[tuple[str, str, str]] = [
        (f"sections.{section.key}", f"Section “{section.title}”", section.body)
        for section in postmortem.sections.all()
    ]
    texts += [(f"whys.{i}", f"Why #{i + 1}", why) for i, why in enumerate(postmortem.whys or [])]
    texts += [
        (f"contributing_factors.{i}", f"Contributing factor #{i + 1}", factor.description)
        for i, factor in enumerate(postmortem.factors.all())
    ]
    warnings = []
    for field, label, text in texts:
        phrases = _blame_phrases(text)
        if phrases:
            quoted = ", ".join(f"“{phrase}”" for phrase in phrases)
            warnings.append(
                Finding(
                    "blame_language",
                    f"{label} uses blame language ({quoted}). Describe what made the action "
                    "seem right at the time, and what in the system allowed it.",
                    field,
                )
            )
    return warnings


def _gap_warnings(postmortem: Postmortem) -> list[Finding]:
    incidents = list(postmortem.incidents.all())
    if not incidents:
        return []
    start = min(incident.detected_at for incident in incidents)
    ends = [incident.resolved_at for incident in incidents]
    if any(end is None for end in ends):
        return []
    end = max(end for end in ends if end is not None)
    moments = sorted(
        entry.occurred_at for entry in postmortem.timeline_entries.all() if start <= entry.occurred_at <= end
    )
    points = [start, *moments, end]
    warnings = []
    for before, after in itertools.pairwise(points):
        if after - before > TIMELINE_GAP:
            warnings.append(
                Finding(
                    "timeline_gap",
                    f"Nothing on the timeline for {_duration(after - before)}, "
                    f"between {_time(before)} and {_time(after)}.",
                    "timeline",
                )
            )
    if len(warnings) > MAX_GAP_WARNINGS:
        hidden = len(warnings) - MAX_GAP_WARNINGS
        warnings = [
            *warnings[:MAX_GAP_WARNINGS],
            Finding("timeline_gap", f"…and {hidden} more gaps of over an hour.", "timeline"),
        ]
    return warnings


def postmortem_quality(postmortem: Postmortem) -> Quality:
    warnings = _blame_warnings(postmortem)
    if not postmortem.whys:
        warnings.append(
            Finding(
                "root_cause_without_whys",
                "The root cause has no five-whys chain: ask why until you reach something the "
                "organisation can change.",
                "whys",
            )
        )
    warnings += _gap_warnings(postmortem)
    return Quality(errors=_errors(postmortem), warnings=warnings)


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


def postmortem_impact(postmortem: Postmortem) -> dict[str, Any]:
    """Figures from the covered incidents (the earliest start to the latest resolution).

    Customers and records affected are the post-mortem's own figures when its
    authors gave them, else the compliance assessments' data subjects and
    records (read through ``compliance.selectors``), with where each came from.
    """
    incidents = list(postmortem.incidents.all())
    started = [incident.occurred_at or incident.detected_at for incident in incidents]
    detected = [incident.detected_at for incident in incidents]
    acknowledged = [incident.acknowledged_at for incident in incidents if incident.acknowledged_at]
    resolved = [incident.resolved_at for incident in incidents]
    started_at = min(started, default=None)
    detected_at = min(detected, default=None)
    acknowledged_at = min(acknowledged, default=None)
    resolved_at = max(resolved) if resolved and all(resolved) else None  # type: ignore[type-var]
    worst = min(incidents, key=lambda incident: incident.severity.rank, default=None)
    services = sorted({service.name for incident in incidents for service in incident.services.all()})
    assessed = affected_figures(incidents)

    def figure(own: int | None, assessed_value: int | None) -> tuple[int | None, str | None]:
        # The post-mortem's own figure wins (it may know better after the fact); else the assessment's.
        if own is not None:
            return own, ImpactSource.POSTMORTEM.value
        if assessed_value is not None:
            return assessed_value, ImpactSource.ASSESSMENT.value
        return None, None

    customers, customers_source = figure(postmortem.customers_affected, assessed.data_subjects)
    records, records_source = figure(postmortem.records_affected, assessed.records)
    return {
        "severity": worst.severity.name if worst else None,
        "started_at": started_at,
        "detected_at": detected_at,
        "acknowledged_at": acknowledged_at,
        "resolved_at": resolved_at,
        "duration_seconds": _seconds(started_at, resolved_at),
        "time_to_detect_seconds": _seconds(started_at, detected_at),
        "time_to_acknowledge_seconds": _seconds(detected_at, acknowledged_at),
        "time_to_resolve_seconds": _seconds(detected_at, resolved_at),
        "services": services,
        "customers_affected": customers,
        "records_affected": records,
        "customers_affected_source": customers_source,
        "records_affected_source": records_source,
        "assessed_incidents": list(assessed.assessed),
    }


def format_duration(seconds: int | None) -> str:
    return "unknown" if seconds is None else _duration(timedelta(seconds=seconds))


def impact_figure(impact: dict[str, Any], key: str) -> str:
    """A count of the impact as people read it, saying when it comes from the compliance assessment."""
    value = impact[key]
    if value is None:
        return "unknown"
    if impact.get(f"{key}_source") == ImpactSource.ASSESSMENT.value:
        return f"{value:,} (from the compliance assessment)"
    return f"{value:,}"
