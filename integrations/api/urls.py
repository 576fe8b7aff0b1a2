from django.urls import re_path
from rest_framework.routers import DefaultRouter

from integrations.api import views

app_name = "integrations-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("webhook-subscriptions", views.WebhookSubscriptionViewSet, basename="webhook-subscription")

urlpatterns = [
    re_path(
        rf"^integrations/(?P<pk>{views.ID})/webhook/$",
        views.WebhookReceiveView.as_view(),
        name="integration-webhook",
    ),
    *router.urls,
]
