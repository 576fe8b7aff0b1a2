"""States of an evidence pack generated from the web."""

from __future__ import annotations

from django.db import models


class PackStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being generated"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PackStatus.QUEUED: frozenset({PackStatus.RUNNING, PackStatus.FAILED}),
    PackStatus.RUNNING: frozenset({PackStatus.READY, PackStatus.FAILED}),
    PackStatus.READY: frozenset(),
    PackStatus.FAILED: frozenset(),
}
