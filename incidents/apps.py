from collections.abc import Iterator
from typing import Any

from django.apps import AppConfig


def stored_evidence() -> Iterator[Any]:
    """Evidence files and the SHA-256 taken on upload (``manage.py verify_storage``)."""
    from incidents.models import Evidence
    from portal.storage import StoredRecord

    for pk, name, sha256 in Evidence.objects.values_list("pk", "file", "sha256").iterator():
        yield StoredRecord("evidence", pk, sha256, name=name)


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"
    demo_seeder = "incidents.demo_plan.seed_response_plan"

    def ready(self) -> None:
        from incidents import panels  # noqa: F401  (dashboard panels)
        from incidents.services import communications, escalations  # noqa: F401  (outbox handlers)
        from portal.storage import register_stored_records

        register_stored_records(stored_evidence)
