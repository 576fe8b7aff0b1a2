"""Validators shared by the response-plan models and serializers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{2,38}$", "Use a phone number such as +44 20 7946 0000."
)
language_validator = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "Use a language tag such as en, de or pt-BR."
)

MAX_LIST_ITEMS = 200
MAX_ITEM_CHARS = 500


def validate_text_list(value: Any) -> None:
    """A JSON list of short, non-empty strings (follow-up actions, external participants)."""
    if not isinstance(value, list):
        raise ValidationError("Give a list of texts.")
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError(f"At most {MAX_LIST_ITEMS} items.")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError("Every item must be a non-empty text.")
        if len(item) > MAX_ITEM_CHARS or "\x00" in item:
            raise ValidationError(f"Items are texts of at most {MAX_ITEM_CHARS} characters.")


def validate_email_list(value: Any) -> None:
    if not isinstance(value, list):
        raise ValidationError("Give a list of email addresses.")
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError(f"At most {MAX_LIST_ITEMS} addresses.")
    for item in value:
        if not isinstance(item, str):
            raise ValidationError("Every address must be a text.")
        try:
            validate_email(item)
        except ValidationError:
            raise ValidationError(f"{item[:80]!r} is not a valid email address.") from None
