from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"
    demo_seeder = "integrations.demo.seed_integrations"

    def ready(self) -> None:
        from integrations import panels, subscriptions  # noqa: F401  (incident page panel)

        subscriptions.subscribe()
