"""The background task that builds a pack requested from the web (``manage.py db_worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from evidence.generation import pack_generate


@task()
def generate_evidence_pack(pack_id: int) -> None:
    pack_generate(pack_id)
