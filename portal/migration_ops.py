"""Migration operations the apps share."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def postgresql_only(forward: str, backward: str) -> migrations.RunPython:
    """Run one SQL statement on PostgreSQL and nothing elsewhere (plan helpers such as covering
    indexes that SQLite does without). Through a cursor, not ``schema_editor.execute``: the test
    suite replays data migrations after a flush with only a connection at hand
    (``tests/conftest.py``, ``restore_reference_data``)."""

    def run(statement: str) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            connection = schema_editor.connection
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(statement)

        return apply

    return migrations.RunPython(run(forward), run(backward))
