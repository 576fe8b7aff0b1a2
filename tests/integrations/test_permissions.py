"""The access rules of integrations/permissions.py over the demo roles, and that the API answers
exactly what the predicates say (the app has no pages of its own: the API is its interface)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from integrations import permissions as rules
from integrations import services
from integrations.models import Integration, WebhookSubscription
from portal import roles
from tests.factories import UserFactory
from tests.integrations.conftest import load

INTEGRATIONS = "/api/v1/integrations/"
SUBSCRIPTIONS = "/api/v1/webhook-subscriptions/"
PEOPLE = ["administrator", "compliance_officer", "responder", "author", "auditor", "nobody"]


@pytest.fixture
def administrator(db):
    """The Administrator role alone: ``admin_user`` is a superuser, for whom every has_perm is True."""
    return UserFactory(username="administrator", role=roles.ADMINISTRATOR)


@pytest.fixture
def subscription(admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    created, _ = services.subscription_create(
        actor=admin_user, name="SIEM", target_url="http://127.0.0.1:9/hook", events=["incident.created"]
    )
    return created


# --- the predicates over the demo roles -----------------------------------------------------------------

# person: (view, add, change, delete, manage, rotate, deliveries) — the same for integrations and subscriptions
TABLE = {
    "administrator": (True, True, True, True, True, True, True),
    "compliance_officer": (False,) * 7,
    "responder": (False,) * 7,
    "author": (False,) * 7,
    "auditor": (True, False, False, False, False, False, True),  # reads, never writes
    "nobody": (False,) * 7,
}


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_do_what_with_integrations(request, person):
    user = request.getfixturevalue(person)
    assert (
        rules.can_view_integrations(user),
        rules.can_add_integration(user),
        rules.can_change_integration(user),
        rules.can_delete_integration(user),
        rules.can_manage_integrations(user),
        rules.can_rotate_integration_secret(user),
        rules.can_view_inbound_deliveries(user),
    ) == TABLE[person]


@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_do_what_with_webhook_subscriptions(request, person):
    user = request.getfixturevalue(person)
    assert (
        rules.can_view_subscriptions(user),
        rules.can_add_subscription(user),
        rules.can_change_subscription(user),
        rules.can_delete_subscription(user),
        rules.can_manage_subscriptions(user),
        rules.can_rotate_subscription_secret(user),
        rules.can_view_webhook_deliveries(user),
    ) == TABLE[person]


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("administrator", True),
        ("compliance_officer", True),  # sees every restricted incident, though no integration
        ("responder", False),
        ("author", False),
        ("auditor", False),
        ("nobody", False),
    ],
)
def test_who_sees_every_delivery(request, person, expected):
    assert rules.sees_every_delivery(request.getfixturevalue(person)) is expected


def test_managing_needs_all_three_model_permissions(auditor):
    for codename in ("add_integration", "change_integration"):
        auditor.user_permissions.add(Permission.objects.get(codename=codename))
    auditor = type(auditor).objects.get(pk=auditor.pk)  # a fresh permission cache
    assert rules.can_add_integration(auditor)
    assert rules.can_change_integration(auditor)
    assert not rules.can_manage_integrations(auditor)


# --- the API answers what the predicates say ------------------------------------------------------------


@pytest.mark.parametrize("person", PEOPLE)
def test_the_integration_endpoints_follow_the_predicates(request, api_as, person, squadcast):
    user = request.getfixturevalue(person)
    client = api_as(user)
    detail = f"{INTEGRATIONS}{squadcast.pk}/"
    assert (client.get(INTEGRATIONS).status_code == 200) is rules.can_view_integrations(user)
    assert (client.get(f"{detail}deliveries/").status_code == 200) is rules.can_view_inbound_deliveries(user)
    renamed = client.patch(detail, {"name": "Renamed"}, format="json")
    assert renamed.status_code == (200 if rules.can_change_integration(user) else 403), renamed.content
    rotated = client.post(f"{detail}rotate-secret/", {}, format="json")
    assert rotated.status_code == (200 if rules.can_rotate_integration_secret(user) else 403)
    created = client.post(
        INTEGRATIONS,
        {
            "kind": "generic",
            "name": "Monitoring",
            "default_category": squadcast.default_category_id,
            "default_severity": squadcast.default_severity_id,
        },
        format="json",
    )
    assert created.status_code == (201 if rules.can_add_integration(user) else 403), created.content
    deleted = client.delete(detail)
    assert deleted.status_code == (204 if rules.can_delete_integration(user) else 403)
    assert Integration.objects.filter(pk=squadcast.pk).exists() is not rules.can_delete_integration(user)


@pytest.mark.parametrize("person", PEOPLE)
def test_the_subscription_endpoints_follow_the_predicates(request, api_as, person, subscription):
    user = request.getfixturevalue(person)
    client = api_as(user)
    detail = f"{SUBSCRIPTIONS}{subscription.pk}/"
    assert (client.get(SUBSCRIPTIONS).status_code == 200) is rules.can_view_subscriptions(user)
    assert (client.get(f"{detail}deliveries/").status_code == 200) is rules.can_view_webhook_deliveries(user)
    renamed = client.patch(detail, {"name": "Renamed"}, format="json")
    assert renamed.status_code == (200 if rules.can_change_subscription(user) else 403), renamed.content
    rotated = client.post(f"{detail}rotate-secret/")
    assert rotated.status_code == (200 if rules.can_rotate_subscription_secret(user) else 403)
    created = client.post(
        SUBSCRIPTIONS,
        {"name": "Second", "target_url": "http://127.0.0.1:9/other", "events": ["incident.created"]},
        format="json",
    )
    assert created.status_code == (201 if rules.can_add_subscription(user) else 403), created.content
    deleted = client.delete(detail)
    assert deleted.status_code == (204 if rules.can_delete_subscription(user) else 403)
    exists = WebhookSubscription.objects.filter(pk=subscription.pk).exists()
    assert exists is not rules.can_delete_subscription(user)


def test_restricted_deliveries_show_exactly_to_those_who_see_every_delivery(
    api_as, admin_user, auditor, send, squadcast
):
    """An auditor who is also granted every restricted incident sees the restricted delivery."""
    services.integration_update(integration=squadcast, actor=admin_user, data={"restrict_incidents": True})
    payload = load("squadcast_incident_triggered")
    payload["data"]["resource_data"]["message"] = "Suspected insider exfiltration"
    send(squadcast, payload)
    url = f"{INTEGRATIONS}{squadcast.pk}/deliveries/"
    cleared = UserFactory(username="cleared-auditor", role=roles.AUDITOR)
    cleared.user_permissions.add(Permission.objects.get(codename="view_restricted_incident"))
    cleared = type(cleared).objects.get(pk=cleared.pk)
    for user in (auditor, cleared):
        shown = api_as(user).get(url).json()["count"]
        assert shown == (1 if rules.sees_every_delivery(user) else 0)
    assert rules.sees_every_delivery(cleared)
    assert not rules.sees_every_delivery(auditor)
