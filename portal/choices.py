"""Choices of the cross-cutting records."""

from django.db import models


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (gave up)"
