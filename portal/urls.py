from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import pages, views

admin.site.site_header = "Incident compliance portal: administration"
admin.site.site_title = "Portal admin"

api_v1 = [
    path("", include("portal.api.urls")),
    path("", include("incidents.api.urls")),
    path("compliance/", include("compliance.api.urls")),
    path("", include("postmortems.api.urls")),
    path("", include("integrations.api.urls")),
]

urlpatterns = [
    path("", pages.DashboardView.as_view(), name="dashboard"),
    path("", include("portal.identity.urls")),  # login/, logout/, oidc/, mfa/, account/
    path("profile/", pages.ProfileView.as_view(), name="profile"),
    path("audit/", pages.AuditView.as_view(), name="audit"),
    path("audit/evidence-packs/", include("evidence.urls")),
    path("incidents/", include("incidents.urls")),
    path("compliance/", include("compliance.urls")),
    path("postmortems/", include("postmortems.urls")),
    path("action-items/", include("postmortems.urls_action_items")),
    path("healthz", views.healthz, name="healthz"),
    # Pages without the base layout (admin, API docs) still get the icon browsers ask for by this name.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}portal/favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# JSON error bodies under /api/ (also for URLs no view matches), the usual pages elsewhere.
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
