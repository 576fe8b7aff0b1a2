from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.PackRequestView.as_view(), name="packs"),
    path("<int:pk>/download/", views.PackDownloadView.as_view(), name="download"),
]
