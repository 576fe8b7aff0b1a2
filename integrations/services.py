"""Every write on integrations and webhook subscriptions: one transaction each, audited.

Secrets are generated here (or, for PagerDuty, pasted from PagerDuty), shown
to the caller once, and recorded in the audit trail only as a hint. Rotation
keeps the previous secret valid for ``SECRET_GRACE`` so that senders (and,
outbound, receivers) can switch without losing a delivery.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from compliance.models import LegalEntity
from incidents.models import Category, Severity
from integrations import signing, ssrf
from integrations.choices import IntegrationKind, WebhookEvent
from integrations.models import Integration, WebhookSubscription
from portal.audit import audit_record, model_changes
from portal.users import User

#: How long a replaced secret keeps being accepted (inbound) or signed with (outbound).
SECRET_GRACE = timedelta(hours=24)
MAX_MAPPING_ENTRIES = 50

INTEGRATION_FIELDS = (
    "name",
    "default_category",
    "default_severity",
    "severity_mapping",
    "default_legal_entity",
    "restrict_incidents",
    "is_active",
)
SUBSCRIPTION_FIELDS = ("name", "target_url", "events", "include_restricted", "is_active")


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: getattr(value, "pk", value) for key, value in values.items()}


# --- secrets -------------------------------------------------------------------------------------------


def validate_secret(kind: str, secret: str) -> str:
    secret = secret.strip()
    if kind == IntegrationKind.GENERIC:
        try:
            signing.standard_secret_key(secret)
        except signing.SecretFormatError as exc:
            raise ValidationError({"secret": str(exc)}) from None
        return secret
    if not 16 <= len(secret) <= 200 or any(ch.isspace() or ord(ch) < 32 for ch in secret):
        raise ValidationError({"secret": "Use 16 to 200 characters without spaces."})
    return secret


def _integration_secret(kind: str, supplied: str | None) -> str:
    if supplied:
        return validate_secret(kind, supplied)
    if kind == IntegrationKind.PAGERDUTY:
        raise ValidationError(
            {"secret": "Paste the signing secret PagerDuty showed when the webhook subscription was created."}
        )
    if kind == IntegrationKind.GENERIC:
        return signing.generate_standard_secret()
    return signing.generate_shared_secret()


def secrets_in_force(owner: Integration | WebhookSubscription, *, now: datetime | None = None) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    now = now or timezone.now()
    valid = [owner.secret]
    if (
        owner.previous_secret
        and owner.previous_secret_valid_until is not None
        and owner.previous_secret_valid_until > now
    ):
        valid.append(owner.previous_secret)
    return valid


def _rotate(owner: Integration | WebhookSubscription, new_secret: str) -> None:
    now = timezone.now()
    owner.previous_secret = owner.secret
    owner.previous_secret_valid_until = now + SECRET_GRACE
    owner.secret = new_secret
    owner.secret_hint = signing.secret_hint(new_secret)
    owner.secret_rotated_at = now


# --- integrations --------------------------------------------------------------------------------------


def validate_severity_mapping(mapping: Any) -> dict[str, str]:
    """``{vendor priority or urgency: severity name}``; keys compare case-insensitively."""
    if mapping in (None, ""):
        return {}
    if not isinstance(mapping, dict):
        raise ValidationError({"severity_mapping": 'Give an object such as {"P1": "SEV1"}.'})
    if len(mapping) > MAX_MAPPING_ENTRIES:
        raise ValidationError({"severity_mapping": f"At most {MAX_MAPPING_ENTRIES} entries."})
    names = set(Severity.objects.filter(is_active=True).values_list("name", flat=True))
    cleaned: dict[str, str] = {}
    seen: set[str] = set()
    for key, value in mapping.items():
        key_text = str(key).strip()
        if not key_text or len(key_text) > 100:
            raise ValidationError({"severity_mapping": "Keys are 1 to 100 characters."})
        if key_text.lower() in seen:
            raise ValidationError({"severity_mapping": f"{key_text!r} is mapped twice."})
        if not isinstance(value, str) or value not in names:
            raise ValidationError(
                {"severity_mapping": f"{key_text!r} maps to {value!r}, which is not an active severity."}
            )
        seen.add(key_text.lower())
        cleaned[key_text] = value
    return cleaned


def _bot_user(name: str) -> User:
    """A service user for the integration: it can never sign in (no usable password, inactive)."""
    user = User(
        username=f"integration-{slugify(name)[:40] or 'bot'}-{secrets.token_hex(3)}",
        first_name=name[:150],
        last_name="(integration)",
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    return user


def _check_integration(integration: Integration) -> None:
    if not integration.name.strip():
        raise ValidationError({"name": "Give the integration a name."})
    if not integration.default_category.is_active:
        raise ValidationError({"default_category": "This category is deactivated."})
    if not integration.default_severity.is_active:
        raise ValidationError({"default_severity": "This severity is deactivated."})
    integration.severity_mapping = validate_severity_mapping(integration.severity_mapping)
    integration.full_clean(exclude=["actor", "secret", "secret_hint"])


def integration_check_new(*, kind: str, secret: str | None, **values: Any) -> None:
    """Raise the ValidationError :func:`integration_create` would raise, without creating anything
    (forms call it to show every problem next to its field before anything is saved)."""
    if kind not in IntegrationKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(IntegrationKind.values)}."})
    _integration_secret(kind, secret)
    if values.get("default_category") is None or values.get("default_severity") is None:
        return  # the form reports the missing field itself
    _check_integration(Integration(kind=kind, secret="-", secret_hint="-", **values))


@transaction.atomic
def integration_create(
    *,
    actor: User,
    kind: str,
    name: str,
    default_category: Category,
    default_severity: Severity,
    severity_mapping: Mapping[str, str] | None = None,
    default_legal_entity: LegalEntity | None = None,
    restrict_incidents: bool = False,
    is_active: bool = True,
    secret: str | None = None,
) -> tuple[Integration, str]:
    """Create an integration and its service user; returns the secret, shown this once."""
    if kind not in IntegrationKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(IntegrationKind.values)}."})
    effective_secret = _integration_secret(kind, secret)
    integration = Integration(
        kind=kind,
        name=name.strip(),
        secret=effective_secret,
        secret_hint=signing.secret_hint(effective_secret),
        default_category=default_category,
        default_severity=default_severity,
        severity_mapping=dict(severity_mapping or {}),
        default_legal_entity=default_legal_entity,
        restrict_incidents=restrict_incidents,
        is_active=is_active,
    )
    _check_integration(integration)
    integration.actor = _bot_user(integration.name)
    integration.save(force_insert=True)
    audit_record(
        action="integration.created",
        actor=actor,
        obj=integration,
        changes={
            "kind": kind,
            **_plain({field: getattr(integration, field) for field in INTEGRATION_FIELDS}),
            "service_user": integration.actor.get_username(),
            "secret_hint": integration.secret_hint,
        },
    )
    return integration, effective_secret


@transaction.atomic
def integration_update(
    *, integration: Integration, actor: User, data: Mapping[str, Any]
) -> Integration:
    unknown = set(data) - set(INTEGRATION_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    before = _plain({field: getattr(integration, field) for field in INTEGRATION_FIELDS})
    for field, value in data.items():
        setattr(integration, field, value)
    if "name" in data:
        integration.name = integration.name.strip()
    _check_integration(integration)
    changes = model_changes(
        before, _plain({field: getattr(integration, field) for field in INTEGRATION_FIELDS})
    )
    if not changes:
        return integration
    integration.save()
    if "name" in changes:
        bot = integration.actor
        bot.first_name = integration.name[:150]
        bot.save(update_fields=["first_name"])
    audit_record(action="integration.updated", actor=actor, obj=integration, changes=changes)
    return integration


@transaction.atomic
def integration_rotate_secret(
    *, integration: Integration, actor: User, secret: str | None = None
) -> tuple[Integration, str]:
    """Replace the secret; the old one stays valid for ``SECRET_GRACE``. Returns the new one, once."""
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    new_secret = _integration_secret(integration.kind, secret)
    _rotate(integration, new_secret)
    integration.save()
    audit_record(
        action="integration.secret_rotated",
        actor=actor,
        obj=integration,
        changes={
            "secret_hint": integration.secret_hint,
            "previous_secret_valid_until": integration.previous_secret_valid_until,
        },
    )
    return integration, new_secret


@transaction.atomic
def integration_delete(*, integration: Integration, actor: User) -> None:
    """Remove an integration that never received anything; otherwise deactivate it (the database refuses)."""
    integration = Integration.objects.select_for_update().select_related("actor").get(pk=integration.pk)
    audit_record(
        action="integration.deleted",
        actor=actor,
        obj=integration,
        changes={"name": integration.name, "kind": integration.kind},
    )
    bot = integration.actor
    integration.delete()
    bot.delete()


# --- outbound subscriptions ----------------------------------------------------------------------------


def validate_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": "Choose at least one event."})
    unknown = sorted({str(event) for event in events} - set(WebhookEvent.values))
    if unknown:
        raise ValidationError(
            {
                "events": f"Unknown event(s): {', '.join(unknown)}. Choose from {', '.join(WebhookEvent.values)}."
            }
        )
    return [event for event in WebhookEvent.values if event in set(events)]


def validate_target_url(url: str) -> str:
    try:
        ssrf.check_target(url)
    except ssrf.TargetRefused as exc:
        raise ValidationError({"target_url": str(exc)}) from None
    return url


def _check_subscription(subscription: WebhookSubscription) -> None:
    subscription.events = validate_events(subscription.events)
    subscription.full_clean(exclude=["secret", "secret_hint", "created_by"])
    validate_target_url(subscription.target_url)


@transaction.atomic
def subscription_create(
    *,
    actor: User,
    name: str,
    target_url: str,
    events: Iterable[str],
    include_restricted: bool = False,
    is_active: bool = True,
) -> tuple[WebhookSubscription, str]:
    """Subscribe a URL to events; returns its ``whsec_`` signing secret, shown this once."""
    secret = signing.generate_standard_secret()
    subscription = WebhookSubscription(
        name=name.strip(),
        target_url=target_url,
        events=list(events),
        include_restricted=include_restricted,
        is_active=is_active,
        secret=secret,
        secret_hint=signing.secret_hint(secret),
        created_by=actor,
    )
    _check_subscription(subscription)
    subscription.save(force_insert=True)
    audit_record(
        action="webhook_subscription.created",
        actor=actor,
        obj=subscription,
        changes={
            **{field: getattr(subscription, field) for field in SUBSCRIPTION_FIELDS},
            "secret_hint": subscription.secret_hint,
        },
    )
    return subscription, secret


@transaction.atomic
def subscription_update(
    *, subscription: WebhookSubscription, actor: User, data: Mapping[str, Any]
) -> WebhookSubscription:
    unknown = set(data) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = {field: getattr(subscription, field) for field in SUBSCRIPTION_FIELDS}
    for field, value in data.items():
        setattr(subscription, field, value)
    _check_subscription(subscription)
    changes = model_changes(before, {field: getattr(subscription, field) for field in SUBSCRIPTION_FIELDS})
    if not changes:
        return subscription
    if subscription.is_active and "is_active" in changes:
        subscription.disabled_reason = ""
    subscription.save()
    audit_record(action="webhook_subscription.updated", actor=actor, obj=subscription, changes=changes)
    return subscription


@transaction.atomic
def subscription_rotate_secret(
    *, subscription: WebhookSubscription, actor: User
) -> tuple[WebhookSubscription, str]:
    """A new signing secret; for ``SECRET_GRACE`` every delivery is signed with both."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    new_secret = signing.generate_standard_secret()
    _rotate(subscription, new_secret)
    subscription.save()
    audit_record(
        action="webhook_subscription.secret_rotated",
        actor=actor,
        obj=subscription,
        changes={
            "secret_hint": subscription.secret_hint,
            "previous_secret_valid_until": subscription.previous_secret_valid_until,
        },
    )
    return subscription, new_secret


@transaction.atomic
def subscription_delete(*, subscription: WebhookSubscription, actor: User) -> None:
    audit_record(
        action="webhook_subscription.deleted",
        actor=actor,
        obj=subscription,
        changes={"name": subscription.name, "target_url": subscription.target_url},
    )
    subscription.delete()


@transaction.atomic
def subscription_disable(*, subscription: WebhookSubscription, reason: str) -> None:
    """The target said it wants nothing more (HTTP 410 Gone, per Standard Webhooks)."""
    updated = WebhookSubscription.objects.filter(pk=subscription.pk, is_active=True).update(
        is_active=False, disabled_reason=reason[:300], updated_at=timezone.now()
    )
    if updated:
        audit_record(
            action="webhook_subscription.disabled",
            actor=None,
            obj=subscription,
            changes={"reason": reason[:300]},
        )
