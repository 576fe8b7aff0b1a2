"""The breach register: every assessed incident, notified or not, with its
decisions and rationale (GDPR Art. 33(5), LGPD Art. 10, PIPEDA s 10.3)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from compliance.choices import DecisionKind, ObligationStatus
from compliance.facts import current_decisions
from compliance.models import Assessment

COLUMNS = [
    "incident",
    "title",
    "status",
    "entity",
    "detected_at",
    "aware_at",
    "personal_data_involved",
    "risk",
    "risk_rationale",
    "data_subjects",
    "records",
    "jurisdictions",
    *[f"decision_{k}" for k in DecisionKind.values],
    "obligations",
    "notified",
    "not_required",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell must never start a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def register_rows(assessments: Iterator[Assessment]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for assessment in assessments:
        incident = assessment.incident
        decisions = current_decisions(assessment)
        obligations = list(incident.obligations.all())
        row: list[Any] = [
            incident.reference,
            incident.title,
            incident.status,
            assessment.entity.name,
            incident.detected_at.isoformat(),
            incident.aware_at.isoformat() if incident.aware_at else "",
            "yes" if assessment.personal_data_involved else "no",
            assessment.risk,
            assessment.risk_rationale,
            assessment.data_subjects,
            assessment.records,
            "; ".join(f"{k}={v}" for k, v in sorted(assessment.subjects_by_jurisdiction.items())),
        ]
        for kind in DecisionKind.values:
            decision = decisions.get(kind)
            row.append(
                ""
                if decision is None
                else f"{'yes' if decision.value else 'no'} at {decision.decided_at.isoformat()} by "
                f"{decision.decided_by.get_username()}: {decision.rationale}"
            )
        row += [
            "; ".join(f"{o.code} ({o.status})" for o in obligations),
            "; ".join(o.code for o in obligations if o.status == ObligationStatus.FULFILLED),
            "; ".join(
                f"{o.code}: {o.status_reason}"
                for o in obligations
                if o.status == ObligationStatus.NOT_REQUIRED
            ),
        ]
        yield writer.writerow([_cell(value) for value in row])
