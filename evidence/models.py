"""Evidence packs requested from the web: who asked for which period, and where the file is."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from evidence.choices import PackStatus


class EvidencePack(models.Model):
    """One request for an evidence pack, generated in the background.

    The ZIP itself lives in ``EVIDENCE_PACK_DIR`` under a random name and is
    served only to the user who asked for it, through an authorising view.
    Its contents are what *that* user may see, decided when it is generated.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    period_from = models.DateField()
    period_to = models.DateField()
    incident_references = models.JSONField(default=list, blank=True)
    entity_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Legal entity, if narrowed.")
    status = models.CharField(max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    file_name = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    incident_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Evidence pack {self.period_from}..{self.period_to} for {self.requested_by}"

    @property
    def download_name(self) -> str:
        return f"evidence-pack-{self.period_from:%Y%m%d}-{self.period_to:%Y%m%d}-{self.pk}.zip"
