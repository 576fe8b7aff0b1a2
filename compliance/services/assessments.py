"""Assessments and the clock-starting decisions recorded on them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compliance.choices import DecisionKind
from compliance.facts import current_decisions
from compliance.models import Assessment, AssessmentDecision
from compliance.services.common import CLOCK_SKEW as _CLOCK_SKEW
from compliance.services.common import local_time as _local
from compliance.services.obligations import obligations_refresh
from incidents.choices import TimelineKind
from incidents.models import Incident
from incidents.services import timeline_record
from portal.audit import audit_record, model_changes
from portal.errors import PreconditionFailed
from portal.users import User

ASSESSMENT_FIELDS = (
    "entity",
    "personal_data_involved",
    "risk",
    "risk_rationale",
    "data_subjects",
    "records",
    "data_categories",
    "subjects_by_jurisdiction",
    "phi_involved",
    "phi_secured",
    "hipaa_four_factor",
    "data_subject_exemption",
    "dora_criteria",
)


@transaction.atomic
def assessment_save(
    *,
    incident: Incident,
    actor: User,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Assessment:
    """Create or change the assessment of an incident, then recompute its obligations."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    assessment = Assessment.objects.select_for_update().filter(incident=incident).first()
    created = assessment is None
    if assessment is None:
        if "entity" not in data:
            raise ValidationError({"entity": "Name the legal entity the incident concerns."})
        assessment = Assessment(incident=incident, entity=data["entity"])
    elif expected_version is not None and expected_version != assessment.version:
        raise PreconditionFailed(
            f"The assessment is at version {assessment.version}, not {expected_version}."
        )
    before = {field: getattr(assessment, field) for field in ASSESSMENT_FIELDS}
    for field, value in data.items():
        if field not in ASSESSMENT_FIELDS:
            raise ValidationError({field: "This field cannot be changed here."})
        setattr(assessment, field, value)
    assessment.full_clean(exclude=["incident"])
    after = {field: getattr(assessment, field) for field in ASSESSMENT_FIELDS}
    changes = model_changes(
        {k: getattr(v, "pk", v) for k, v in before.items()},
        {k: getattr(v, "pk", v) for k, v in after.items()},
    )
    if not created and not changes:
        # Nothing recorded changed, but the facts may have (the entity edited
        # in the admin, a custom regime switched on): a save never leaves the
        # obligations computed from stale facts.
        obligations_refresh(incident=incident, actor=actor, reason="assessment saved")
        return assessment
    assessment.updated_by = actor
    if not created:
        assessment.version += 1
    assessment.save()
    described = ", ".join(sorted(changes)) if not created else "created"
    timeline_record(
        incident,
        kind=TimelineKind.COMPLIANCE,
        text=f"Compliance assessment {'created' if created else 'updated'}"
        + ("" if created else f": {described}")
        + ".",
        actor=actor,
        data={"assessment": assessment.pk, "fields": sorted(changes)},
    )
    audit_record(
        action="assessment.created" if created else "assessment.updated",
        actor=actor,
        obj=assessment,
        changes=changes,
    )
    obligations_refresh(
        incident=incident, actor=actor, reason="assessment " + ("created" if created else "changed")
    )
    return assessment


@transaction.atomic
def decision_record(
    *,
    assessment: Assessment,
    kind: str,
    value: bool,
    rationale: str,
    actor: User,
    decided_at: datetime | None = None,
) -> AssessmentDecision:
    """Record a clock-starting decision (e.g. DORA 'major') with its time and reason."""
    if kind not in DecisionKind.values:
        raise ValidationError({"kind": f"Unknown decision {kind!r}."})
    if not rationale.strip():
        raise ValidationError({"rationale": "Say why: an auditor will ask."})
    now = timezone.now()
    decided_at = decided_at or now
    if decided_at > now + _CLOCK_SKEW:
        raise ValidationError({"decided_at": "This time is in the future."})
    assessment = Assessment.objects.select_for_update().select_related("incident").get(pk=assessment.pk)
    incident = assessment.incident
    if decided_at < incident.detected_at:
        raise ValidationError({"decided_at": "A decision cannot come before the incident was detected."})
    previous = current_decisions(assessment).get(kind)
    decision = AssessmentDecision.objects.create(
        assessment=assessment,
        kind=kind,
        value=value,
        decided_at=decided_at,
        decided_by=actor,
        rationale=rationale.strip(),
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        version=F("version") + 1, updated_by=actor, updated_at=now
    )
    label = DecisionKind(kind).label
    verb = "Decided" if previous is None else "Revised decision"
    timeline_record(
        incident,
        kind=TimelineKind.COMPLIANCE,
        text=f"{verb}: {label} - {'yes' if value else 'no'} (as of {_local(decided_at, assessment.entity.timezone)}). "
        f"{rationale.strip()}",
        actor=actor,
        data={"decision": decision.pk, "kind": kind, "value": value},
        occurred_at=decided_at,
    )
    audit_record(
        action="assessment.decision",
        actor=actor,
        obj=assessment,
        changes={
            "kind": kind,
            "value": value,
            "decided_at": decided_at,
            "rationale": rationale.strip(),
            "previous": None if previous is None else previous.value,
        },
    )
    obligations_refresh(incident=incident, actor=actor, reason=f"decision recorded: {label}")
    return decision
