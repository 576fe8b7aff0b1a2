from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Post-mortems"
    demo_seeder = "postmortems.demo.seed_postmortems"

    def ready(self) -> None:
        from postmortems import panels  # noqa: F401  (incident page and dashboard panels)
        from postmortems.services import reminders  # noqa: F401  (outbox handler)
