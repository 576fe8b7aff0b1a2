from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import schema, signals  # noqa: F401  (login auditing, OpenAPI auth scheme)
        from portal.identity import receivers  # noqa: F401  (session clock, lockout and MFA auditing)
