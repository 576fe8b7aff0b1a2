from django.urls import path
from rest_framework.routers import DefaultRouter

from incidents.api import views

app_name = "incidents-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("severities", views.SeverityViewSet, basename="severity")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("services", views.ServiceViewSet, basename="service")
router.register("incident-roles", views.IncidentRoleViewSet, basename="incident-role")
router.register("team-types", views.TeamTypeViewSet, basename="team-type")
router.register("teams", views.TeamViewSet, basename="team")
router.register("playbooks", views.PlaybookViewSet, basename="playbook")
router.register("stakeholder-templates", views.StakeholderTemplateViewSet, basename="stakeholder-template")
router.register("exercises", views.ExerciseViewSet, basename="exercise")

urlpatterns = [
    path("kpis/", views.KpiView.as_view(), name="kpis"),
    *router.urls,
]
