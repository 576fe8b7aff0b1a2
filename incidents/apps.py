from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"
    demo_seeder = "incidents.demo_plan.seed_response_plan"

    def ready(self) -> None:
        from incidents import panels  # noqa: F401  (dashboard panels)
        from incidents.services import communications, escalations  # noqa: F401  (outbox handlers)
