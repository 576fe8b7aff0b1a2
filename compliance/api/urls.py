from django.urls import path

from compliance.api import views

app_name = "compliance-api"

urlpatterns = [
    path("assess/", views.AssessView.as_view(), name="assess"),
]
