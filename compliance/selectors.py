"""Every read of compliance records, restricted by who may see the incident first."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.db.models import Prefetch, QuerySet

from compliance.models import Assessment, AssessmentDecision, CustomRegime, Obligation, RegulatorReport
from compliance.regimes import CustomRegimeSpec
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
    if not user.has_perm("compliance.view_obligation"):
        return Obligation.objects.none()
    return Obligation.objects.filter(incident__in=incidents_visible_to(user)).select_related(
        "incident", "entity"
    )


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    if not user.has_perm("compliance.view_assessment"):
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
    if not user.has_perm("compliance.view_regulatorreport"):
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
