"""Compliance configuration and records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from compliance.choices import ClockStart, DeadlineUnit
from compliance.regimes import CustomRegimeError, CustomRegimeSpec


class CustomRegime(models.Model):
    """An organisation's own notification rule (internal policy, a contract,
    card-brand rules) evaluated by the same engine as the statutory regimes."""

    code = models.CharField(
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z][A-Z0-9-]{1,39}$", "Use capitals, digits and dashes, e.g. VISA-CARD.")
        ],
    )
    name = models.CharField(max_length=120)
    recipient = models.CharField(max_length=200)
    clock_start = models.CharField(max_length=40, choices=ClockStart.choices, default=ClockStart.AWARE_AT)
    amount = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(10_000)])
    unit = models.CharField(max_length=20, choices=DeadlineUnit.choices)
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "An ISO 3166-1 alpha-2 code such as DE.")],
        help_text="Whose public holidays business days skip (required for business days).",
    )
    required_fields = models.JSONField(default=list, blank=True, help_text="Field keys a report must answer.")
    basis = models.CharField(max_length=300, help_text="Where the rule comes from (contract clause, policy).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        permissions = [("view_compliance", "Can read compliance data (obligations, assessments, assess)")]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def to_spec(self) -> CustomRegimeSpec:
        return CustomRegimeSpec(
            code=self.code,
            name=self.name,
            recipient=self.recipient,
            clock_start=self.clock_start,
            amount=self.amount,
            unit=self.unit,
            holiday_country=self.holiday_country or None,
            required_fields=tuple(self.required_fields or ()),
            basis=self.basis,
            active=self.is_active,
        )

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.required_fields, list) or not all(
            isinstance(key, str) and key.isidentifier() for key in self.required_fields
        ):
            raise ValidationError(
                {"required_fields": 'A list of field keys such as ["card_brand", "pan_count"].'}
            )
        try:
            self.to_spec().validate()
        except CustomRegimeError as exc:
            model_fields = {f.name for f in self._meta.fields}
            field = {"active": "is_active"}.get(exc.attribute, exc.attribute)
            raise ValidationError({field: exc.message} if field in model_fields else exc.message) from exc
