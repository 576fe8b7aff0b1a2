"""What each role needs for each integrations endpoint (checked by portal.permissions.RolePermission).

Administrators manage integrations and subscriptions; auditors read them
and their deliveries (never a secret: no serializer has one after the
response that issued it). The webhook receiver is public: the vendor's
signature is its only credential.
"""

VIEW_INTEGRATION = ["integrations.view_integration"]
VIEW_SUBSCRIPTION = ["integrations.view_webhooksubscription"]

INTEGRATION_VIEWSET = {
    "rotate_secret": [*VIEW_INTEGRATION, "integrations.change_integration"],
    "deliveries": [*VIEW_INTEGRATION, "integrations.view_inbounddelivery"],
}
SUBSCRIPTION_VIEWSET = {
    "rotate_secret": [*VIEW_SUBSCRIPTION, "integrations.change_webhooksubscription"],
    "deliveries": [*VIEW_SUBSCRIPTION, "integrations.view_webhookdelivery"],
}
