"""Rehearsals of the response plan: tabletop exercises, simulations and full drills."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.choices import ExerciseType
from incidents.validators import validate_text_list


class Exercise(models.Model):
    """One exercise, scheduled ahead and written up once conducted. Its
    practice incident (flagged ``is_exercise``) is optional; the record is the
    ISO/IEC 27001 A.5.24-5.27 evidence of what was practised and learned."""

    title = models.CharField(max_length=200)
    exercise_type = models.CharField(max_length=20, choices=ExerciseType.choices)
    scenario = models.TextField(max_length=20_000)
    objectives = models.TextField(blank=True, max_length=10_000)
    category = models.ForeignKey(
        "incidents.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The kind of incident practised.",
    )
    playbook = models.ForeignKey(
        "incidents.Playbook", null=True, blank=True, on_delete=models.PROTECT, related_name="exercises"
    )
    team = models.ForeignKey(
        "incidents.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="exercises"
    )
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="exercises")
    external_participants = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_text_list],
        help_text="Names and functions of others taking part.",
    )
    findings = models.TextField(blank=True, max_length=20_000)
    follow_up_actions = models.JSONField(default=list, blank=True, validators=[validate_text_list])
    scheduled_for = models.DateTimeField()
    conducted_at = models.DateTimeField(null=True, blank=True)
    incident = models.OneToOneField(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exercise_record",
        limit_choices_to={"is_exercise": True},
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            models.Index(fields=["-scheduled_for", "-id"], name="exercise_scheduled"),
            models.Index(fields=["conducted_at"], name="exercise_conducted"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_conducted(self) -> bool:
        return self.conducted_at is not None
