from collections.abc import Iterator
from typing import Any

from django.apps import AppConfig


def stored_revisions() -> Iterator[Any]:
    """Published revisions keep their Markdown in the row, hashed at publication."""
    from portal.storage import StoredRecord
    from postmortems.models import PostmortemRevision

    for pk, markdown, sha256 in PostmortemRevision.objects.values_list("pk", "markdown", "sha256").iterator():
        yield StoredRecord("post-mortem revision", pk, sha256, content=markdown.encode("utf-8"))


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Post-mortems"
    demo_seeder = "postmortems.demo.seed_postmortems"

    def ready(self) -> None:
        from portal.storage import register_stored_records
        from postmortems import panels  # noqa: F401  (incident page and dashboard panels)
        from postmortems.services import reminders  # noqa: F401  (outbox handler)

        register_stored_records(stored_revisions)
