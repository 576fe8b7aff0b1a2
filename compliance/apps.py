from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"
    demo_seeder = "compliance.demo.seed_compliance"

    def ready(self) -> None:
        from compliance import guards, panels, reminders, subscriptions  # noqa: F401  (frozen reports; page panels)

        subscriptions.subscribe()
