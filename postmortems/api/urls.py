from django.urls import path
from rest_framework.routers import DefaultRouter

from postmortems.api import views

app_name = "postmortems-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("postmortems", views.PostmortemViewSet, basename="postmortem")
router.register("action-items", views.ActionItemViewSet, basename="action-item")
router.register("postmortem-templates", views.PostmortemTemplateViewSet, basename="postmortem-template")
router.register(
    "contributing-factor-categories",
    views.ContributingFactorCategoryViewSet,
    basename="contributing-factor-category",
)

urlpatterns = [
    path("postmortem-kpis/", views.PostmortemKpiView.as_view(), name="postmortem-kpis"),
    *router.urls,
]
