"""Turn an incident and its assessment into the regime engine's facts (RULES.md section 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance.choices import DECISION_FLAG, DECISION_TIME_FIELD, ReportStatus
from compliance.models import Assessment, AssessmentDecision, RegulatorReport
from compliance.regimes import Entity, Facts, PersonalData, Times


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def current_decisions(assessment: Assessment) -> dict[str, AssessmentDecision]:
    """The latest decision of each kind (later rows supersede earlier ones)."""
    latest: dict[str, AssessmentDecision] = {}
    for decision in sorted(assessment.decisions.all(), key=lambda d: (d.recorded_at, d.pk)):
        latest[decision.kind] = decision
    return latest


def submission_times(incident_id: int) -> dict[str, datetime]:
    """When each obligation's report first went out; follow-ups count from it."""
    submitted: dict[str, datetime] = {}
    rows = (
        RegulatorReport.objects.filter(incident_id=incident_id, status=ReportStatus.SUBMITTED)
        .order_by("submitted_at")
        .values_list("obligation__code", "submitted_at")
    )
    for code, submitted_at in rows:
        if submitted_at is not None:  # set by the submit transition; the column itself is nullable
            submitted.setdefault(code, submitted_at)
    return submitted


def submissions(incident_id: int) -> dict[str, str]:
    """`submission_times` as facts JSON."""
    return {code: at.isoformat() for code, at in submission_times(incident_id).items()}


def facts_for(assessment: Assessment) -> dict[str, Any]:
    """The facts JSON for one assessed incident.

    Awareness defaults to detection when no separate awareness time is
    recorded. The handling of the incident ends when it is resolved. A HIPAA
    four-factor assessment that shows a low probability of compromise means
    there is no HIPAA breach, so PHI is then not reported as involved.
    """
    incident = assessment.incident
    entity = assessment.entity
    decisions = current_decisions(assessment)
    times: dict[str, str | None] = {"aware_at": _iso(incident.aware_at or incident.detected_at)}
    for kind, field in DECISION_TIME_FIELD.items():
        decision = decisions.get(kind)
        times[field] = _iso(decision.decided_at) if decision is not None and decision.value else None
    times["handling_ended_at"] = _iso(incident.resolved_at)
    hipaa_disproved = bool(assessment.hipaa_four_factor.get("low_probability_of_compromise"))
    facts: dict[str, Any] = {
        "entity": {
            "name": entity.name,
            "country": entity.country,
            "timezone": entity.timezone,
            "designations": list(entity.designations),
            "custom_regimes": [regime.code for regime in entity.custom_regimes.all() if regime.is_active],
        },
        "times": times,
        "personal_data": {
            "involved": assessment.personal_data_involved,
            "risk": assessment.risk,
            "subjects": assessment.data_subjects,
            "by_jurisdiction": dict(assessment.subjects_by_jurisdiction),
            "phi": assessment.phi_involved and not hipaa_disproved,
            "unsecured": assessment.phi_involved and not assessment.phi_secured,
            "data_subject_exemption": assessment.data_subject_exemption or None,
        },
        "submitted": submissions(incident.pk),
    }
    for kind, flag in DECISION_FLAG.items():
        decision = decisions.get(kind)
        facts[flag] = bool(decision is not None and decision.value)
    return facts


def engine_facts(assessment: Assessment) -> Facts:
    """The same facts as `facts_for`, built as the engine's typed `Facts` (no JSON round-trip).

    Both read the same records the same way; `facts_for` is what the API shows
    and `assess` accepts, this is what the portal computes obligations from.
    """
    incident = assessment.incident
    entity = assessment.entity
    decisions = current_decisions(assessment)
    decided: dict[str, datetime | None] = {
        field: decision.decided_at
        if (decision := decisions.get(kind)) is not None and decision.value
        else None
        for kind, field in DECISION_TIME_FIELD.items()
    }
    hipaa_disproved = bool(assessment.hipaa_four_factor.get("low_probability_of_compromise"))
    flags = {
        flag: bool((decision := decisions.get(kind)) is not None and decision.value)
        for kind, flag in DECISION_FLAG.items()
    }
    return Facts(
        entity=Entity(
            name=entity.name,
            country=entity.country,
            timezone=entity.timezone,
            designations=frozenset(entity.designations),
            custom_regimes=tuple(
                dict.fromkeys(regime.code for regime in entity.custom_regimes.all() if regime.is_active)
            ),
        ),
        times=Times(
            aware_at=incident.aware_at or incident.detected_at,
            handling_ended_at=incident.resolved_at,
            **decided,
        ),
        personal_data=PersonalData(
            involved=assessment.personal_data_involved,
            risk=assessment.risk,
            subjects=assessment.data_subjects,
            by_jurisdiction=dict(assessment.subjects_by_jurisdiction),
            phi=assessment.phi_involved and not hipaa_disproved,
            unsecured=assessment.phi_involved and not assessment.phi_secured,
            data_subject_exemption=assessment.data_subject_exemption or None,
        ),
        submitted=submission_times(incident.pk),
        **flags,
    )
