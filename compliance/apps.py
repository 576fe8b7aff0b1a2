from collections.abc import Iterator
from typing import Any

from django.apps import AppConfig


def stored_report_pdfs() -> Iterator[Any]:
    """Submitted reports' PDFs, kept exactly as sent (``manage.py verify_storage``)."""
    from compliance.models import RegulatorReport
    from portal.storage import StoredRecord

    rows = RegulatorReport.objects.exclude(pdf="").values_list("pk", "pdf", "pdf_sha256")
    for pk, name, sha256 in rows.iterator():
        yield StoredRecord("regulator report", pk, sha256, name=name)


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"
    demo_seeder = "compliance.demo.seed_compliance"

    def ready(self) -> None:
        from compliance import guards, panels, reminders, subscriptions  # noqa: F401  (frozen reports; page panels)

        subscriptions.subscribe()
        from portal.storage import register_stored_records

        register_stored_records(stored_report_pdfs)
