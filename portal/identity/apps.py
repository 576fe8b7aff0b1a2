from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """The admin, on a site that also requires the second factor of the MFA roles."""

    default_site = "portal.identity.admin_site.PortalAdminSite"
