"""Every access rule of the integrations app, in one place.

Administrators manage inbound integrations and outbound webhook
subscriptions; auditors read them and their deliveries (never a secret: no
serializer has one after the response that issued it). The webhook receiver
is public: the vendor's signature is its only credential.

Two kinds of rule, read by the API (``portal.permissions.RolePermission``
checks the maps) and by the selectors (which call the predicates):

- the API maps: which role permissions each endpoint needs. Every action is
  listed, the model defaults of ``RolePermission`` included, so that this
  file alone says who may do what;
- the predicates ``can_*``: the same requirements as questions about a user,
  plus the one rule the selectors apply to what deliveries show.

The app has no pages of its own: integrations are managed in the API and in
the Django admin (whose model permissions are the same ones), and its panel
on the incident page shows vendor links to whoever may read the incident.
Importing historical incidents is ``manage.py import_incidents``: a server
operator's command, with no role check to declare.
"""

from __future__ import annotations

from portal.users import Viewer

# --- inbound integrations -------------------------------------------------------------------------------

VIEW_INTEGRATION = ["integrations.view_integration"]
ADD_INTEGRATION = ["integrations.add_integration"]
CHANGE_INTEGRATION = ["integrations.change_integration"]
DELETE_INTEGRATION = ["integrations.delete_integration"]
ROTATE_INTEGRATION_SECRET = [*VIEW_INTEGRATION, "integrations.change_integration"]
VIEW_INBOUND_DELIVERIES = [*VIEW_INTEGRATION, "integrations.view_inbounddelivery"]

# --- outbound subscriptions -----------------------------------------------------------------------------

VIEW_SUBSCRIPTION = ["integrations.view_webhooksubscription"]
ADD_SUBSCRIPTION = ["integrations.add_webhooksubscription"]
CHANGE_SUBSCRIPTION = ["integrations.change_webhooksubscription"]
DELETE_SUBSCRIPTION = ["integrations.delete_webhooksubscription"]
ROTATE_SUBSCRIPTION_SECRET = [*VIEW_SUBSCRIPTION, "integrations.change_webhooksubscription"]
VIEW_WEBHOOK_DELIVERIES = [*VIEW_SUBSCRIPTION, "integrations.view_webhookdelivery"]

#: Deliveries name incidents: only those who may see every restricted incident see them all.
SEE_ALL_RESTRICTED = "incidents.view_restricted_incident"

# --- the API --------------------------------------------------------------------------------------------

INTEGRATION_VIEWSET = {
    "list": VIEW_INTEGRATION,
    "retrieve": VIEW_INTEGRATION,
    "create": ADD_INTEGRATION,
    "update": CHANGE_INTEGRATION,
    "partial_update": CHANGE_INTEGRATION,
    "destroy": DELETE_INTEGRATION,
    "rotate_secret": ROTATE_INTEGRATION_SECRET,
    "deliveries": VIEW_INBOUND_DELIVERIES,
}
SUBSCRIPTION_VIEWSET = {
    "list": VIEW_SUBSCRIPTION,
    "retrieve": VIEW_SUBSCRIPTION,
    "create": ADD_SUBSCRIPTION,
    "update": CHANGE_SUBSCRIPTION,
    "partial_update": CHANGE_SUBSCRIPTION,
    "destroy": DELETE_SUBSCRIPTION,
    "rotate_secret": ROTATE_SUBSCRIPTION_SECRET,
    "deliveries": VIEW_WEBHOOK_DELIVERIES,
}

# --- who may do what --------------------------------------------------------------------------------


def can_view_integrations(user: Viewer) -> bool:
    return user.has_perms(VIEW_INTEGRATION)


def can_add_integration(user: Viewer) -> bool:
    return user.has_perms(ADD_INTEGRATION)


def can_change_integration(user: Viewer) -> bool:
    return user.has_perms(CHANGE_INTEGRATION)


def can_delete_integration(user: Viewer) -> bool:
    """Whether the role allows it; an integration that received deliveries is kept by the service."""
    return user.has_perms(DELETE_INTEGRATION)


def can_manage_integrations(user: Viewer) -> bool:
    """Add, change and delete inbound integrations: what administrators do."""
    return can_add_integration(user) and can_change_integration(user) and can_delete_integration(user)


def can_rotate_integration_secret(user: Viewer) -> bool:
    return user.has_perms(ROTATE_INTEGRATION_SECRET)


def can_view_inbound_deliveries(user: Viewer) -> bool:
    return user.has_perms(VIEW_INBOUND_DELIVERIES)


def can_view_subscriptions(user: Viewer) -> bool:
    return user.has_perms(VIEW_SUBSCRIPTION)


def can_add_subscription(user: Viewer) -> bool:
    return user.has_perms(ADD_SUBSCRIPTION)


def can_change_subscription(user: Viewer) -> bool:
    return user.has_perms(CHANGE_SUBSCRIPTION)


def can_delete_subscription(user: Viewer) -> bool:
    return user.has_perms(DELETE_SUBSCRIPTION)


def can_manage_subscriptions(user: Viewer) -> bool:
    """Add, change and delete outbound webhook subscriptions: what administrators do."""
    return can_add_subscription(user) and can_change_subscription(user) and can_delete_subscription(user)


def can_rotate_subscription_secret(user: Viewer) -> bool:
    return user.has_perms(ROTATE_SUBSCRIPTION_SECRET)


def can_view_webhook_deliveries(user: Viewer) -> bool:
    return user.has_perms(VIEW_WEBHOOK_DELIVERIES)


def sees_every_delivery(user: Viewer) -> bool:
    """Deliveries of restricted incidents (inbound) and restricted events (outbound) included.

    Everyone else sees inbound deliveries linked to incidents they may see
    (and unlinked ones of integrations that do not restrict their incidents),
    and outbound deliveries of unrestricted events only: the selectors apply it.
    """
    return user.has_perm(SEE_ALL_RESTRICTED)
