"""Every read of integrations that a list shows, restricted by the reader's rights first.

Deliveries carry vendor payloads, which name incidents: a delivery linked to
an incident the reader may not see is left out, and so are unlinked
deliveries of an integration that creates restricted incidents, unless the
reader may see every restricted incident.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from incidents.selectors import incidents_visible_to
from integrations import permissions as rules
from integrations.models import (
    InboundDelivery,
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from portal.users import Viewer


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related(
        "default_category", "default_severity", "default_legal_entity", "actor"
    )


def deliveries_visible_to(user: Viewer, integration: Integration) -> QuerySet[InboundDelivery]:
    deliveries = InboundDelivery.objects.filter(integration=integration).select_related(
        "incident", "external_incident"
    )
    if rules.sees_every_delivery(user):
        return deliveries
    visible = Q(incident__in=incidents_visible_to(user).values("pk"))
    if not integration.restrict_incidents:
        visible |= Q(incident__isnull=True)
    return deliveries.filter(visible)


def subscription_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.all()


def subscription_deliveries_visible_to(
    user: Viewer, subscription: WebhookSubscription
) -> QuerySet[WebhookDelivery]:
    deliveries = (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
    )
    if not rules.sees_every_delivery(user):
        deliveries = deliveries.exclude(event__restricted=True)
    return deliveries
