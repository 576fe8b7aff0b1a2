from django.urls import path
from rest_framework.routers import DefaultRouter

from portal.api import views

app_name = "portal-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token")
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="obtain-token"),
    *router.urls,
]
