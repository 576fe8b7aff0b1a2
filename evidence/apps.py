from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence packs"

    def ready(self) -> None:
        from evidence import panels, subscriptions

        subscriptions.subscribe()
        panels.register_panels()
