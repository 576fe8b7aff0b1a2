"""Views of the incidents API, one module per part of the domain."""

from incidents.api.views.communications import StakeholderTemplateViewSet
from incidents.api.views.exercises import ExerciseViewSet
from incidents.api.views.incidents import (
    CategoryViewSet,
    IncidentRoleViewSet,
    IncidentViewSet,
    KpiView,
    ServiceViewSet,
    SeverityViewSet,
)
from incidents.api.views.plan import PlaybookViewSet, TeamTypeViewSet, TeamViewSet

__all__ = [
    "CategoryViewSet",
    "ExerciseViewSet",
    "IncidentRoleViewSet",
    "IncidentViewSet",
    "KpiView",
    "PlaybookViewSet",
    "ServiceViewSet",
    "SeverityViewSet",
    "StakeholderTemplateViewSet",
    "TeamTypeViewSet",
    "TeamViewSet",
]
