"""Every read of compliance records, restricted by who may see the incident first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError
from django.db.models import Prefetch, QuerySet

from compliance import permissions
from compliance.models import Assessment, AssessmentDecision, CustomRegime, Obligation, RegulatorReport
from compliance.regimes import CustomRegimeSpec
from incidents.models import Incident
from incidents.selectors import incidents_visible_to


def custom_regime_specs() -> list[CustomRegimeSpec]:
    """Every custom regime, for the engine; its ``active`` flag decides whether it applies.

    Inactive regimes are passed too, so that an entity or a past submission
    that still names one is understood rather than refused. A database that
    is not migrated yet simply has none: the statutory regimes must still be
    assessable, e.g. by ``manage.py assess`` on a fresh checkout.
    """
    try:
        return [regime.to_spec() for regime in CustomRegime.objects.all()]
    except DatabaseError:
        return []


def obligations_visible_to(user: Any) -> QuerySet[Obligation]:
    if not permissions.can_view_obligations(user):
        return Obligation.objects.none()
    return Obligation.objects.filter(incident__in=incidents_visible_to(user)).select_related(
        "incident", "entity"
    )


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    if not permissions.can_view_assessments(user):
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(incident__in=incidents_visible_to(user))
        .select_related("incident", "entity", "updated_by")
        .prefetch_related(
            Prefetch("decisions", queryset=AssessmentDecision.objects.select_related("decided_by")),
            "entity__custom_regimes",
        )
    )


def reports_visible_to(user: Any) -> QuerySet[RegulatorReport]:
    if not permissions.can_view_reports(user):
        return RegulatorReport.objects.none()
    return RegulatorReport.objects.filter(incident__in=incidents_visible_to(user)).select_related(
        "obligation",
        "incident",
        "author",
        "reviewer",
        "approver",
        "submitted_by",
        "supersedes",
        "obligation__entity",
    )


@dataclass(frozen=True)
class AffectedFigures:
    """How many people and records the compliance assessments of some incidents count.

    Numbers only (no personal data), for other apps' summaries such as the
    post-mortem's impact; ``assessed`` names the incidents that have an assessment.
    """

    data_subjects: int | None
    records: int | None
    assessed: tuple[str, ...]


def with_assessment(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """The incidents with their assessment joined in, for ``affected_figures`` without a query each."""
    return incidents.select_related("assessment")


def affected_figures(incidents: Iterable[Incident]) -> AffectedFigures:
    """The assessments' data subjects and records summed over ``incidents`` (None when none is assessed).

    The caller has already decided that the reader may see these incidents.
    """
    assessments = []
    for incident in incidents:
        try:
            assessments.append((incident.reference, incident.assessment))
        except ObjectDoesNotExist:
            continue
    if not assessments:
        return AffectedFigures(data_subjects=None, records=None, assessed=())
    return AffectedFigures(
        data_subjects=sum(assessment.data_subjects for _, assessment in assessments),
        records=sum(assessment.records for _, assessment in assessments),
        assessed=tuple(reference for reference, _ in assessments),
    )
