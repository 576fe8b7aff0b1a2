from django.apps import AppConfig


def _create_cache_table(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """``migrate`` also makes the database cache's table (shared throttle counters)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_create_cache_table, sender=self)
        from portal import checkpoints, menu, outbox, permissions, schema, signals  # noqa: F401  (outbox handlers, login auditing, OpenAPI auth scheme)
        from portal.identity import receivers  # noqa: F401  (session clock, lockout and MFA auditing)

        menu.register(
            menu.MenuEntry("dashboard", "Dashboard", "dashboard", permissions.can_view_dashboard, order=0)
        )
        menu.register(
            menu.MenuEntry("audit", "Audit trail", "audit", permissions.can_view_audit_trail, order=80)
        )
        menu.register(menu.MenuEntry("admin", "Admin", "admin:index", permissions.can_open_admin, order=90))
