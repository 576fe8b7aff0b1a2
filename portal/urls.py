from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views

admin.site.site_header = "Incident compliance portal: administration"
admin.site.site_title = "Portal admin"

api_v1 = [
    path("", include("portal.api.urls")),
    path("", include("incidents.api.urls")),
    path("compliance/", include("compliance.api.urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
