from django.urls import path
from rest_framework.routers import DefaultRouter

from compliance.api import views

app_name = "compliance-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("entities", views.LegalEntityViewSet, basename="entity")
router.register("custom-regimes", views.CustomRegimeViewSet, basename="custom-regime")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("obligations", views.ObligationViewSet, basename="obligation")
router.register("reports", views.RegulatorReportViewSet, basename="report")

urlpatterns = [
    path("assess/", views.AssessView.as_view(), name="assess"),
    path("designations/", views.DesignationsView.as_view(), name="designations"),
    path("deadlines.ics", views.DeadlinesFeedView.as_view(), name="deadlines-ics"),
    path("deadlines/feed/", views.FeedTokenView.as_view(), name="deadlines-feed"),
    path("register.csv", views.BreachRegisterView.as_view(), name="register-csv"),
    *router.urls,
]
