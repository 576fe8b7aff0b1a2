"""The administration API of integrations and subscriptions: secrets shown once, roles,
visibility of deliveries, and list query budgets."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Category, Severity
from integrations.models import InboundDelivery, Integration, WebhookDelivery, WebhookSubscription
from portal.models import AuditEvent
from tests.integrations.conftest import PAGERDUTY_SECRET, _make, load

INTEGRATIONS = "/api/v1/integrations/"
SUBSCRIPTIONS = "/api/v1/webhook-subscriptions/"


def _create_body(**extra):
    return {
        "kind": "squadcast",
        "name": "Squadcast EU",
        "default_category": Category.objects.get(slug="system-outage").pk,
        "default_severity": Severity.objects.get(name="SEV3").pk,
        "severity_mapping": {"P1": "SEV1", "high": "SEV2"},
        **extra,
    }


def test_an_administrator_creates_an_integration_and_sees_the_secret_once(api_as, admin_user):
    client = api_as(admin_user)
    response = client.post(INTEGRATIONS, _create_body(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    secret = body["secret"]
    assert len(secret) >= 32
    assert body["secret_hint"] == secret[-4:]
    assert body["webhook_url"].endswith(f"/api/v1/integrations/{body['id']}/webhook/")
    assert body["service_user"].startswith("integration-squadcast-eu-")
    detail = client.get(f"{INTEGRATIONS}{body['id']}/")
    listing = client.get(INTEGRATIONS)
    for text in (detail.content.decode(), listing.content.decode()):
        assert secret not in text
        assert '"secret"' not in text
    audit = AuditEvent.objects.get(action="integration.created")
    assert secret not in json.dumps(audit.changes)
    assert Integration.objects.get().secret == secret


def test_pagerduty_needs_the_secret_pagerduty_issued(api_as, admin_user):
    client = api_as(admin_user)
    missing = client.post(INTEGRATIONS, _create_body(kind="pagerduty", name="PD"), format="json")
    assert missing.status_code == 400
    assert "PagerDuty" in json.dumps(missing.json())
    given = client.post(
        INTEGRATIONS, _create_body(kind="pagerduty", name="PD", secret=PAGERDUTY_SECRET), format="json"
    )
    assert given.status_code == 201
    assert given.json()["secret"] == PAGERDUTY_SECRET


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity_mapping": {"P1": "SEV9"}}, "severity_mapping"),
        ({"severity_mapping": ["P1"]}, "severity_mapping"),
        ({"kind": "nagios"}, "kind"),
        ({"name": ""}, "name"),
        ({"default_severity": 999999}, "default_severity"),
        ({"secret": "short"}, "secret"),
    ],
)
def test_bad_integration_input_is_a_400(api_as, admin_user, change, field):
    response = api_as(admin_user).post(INTEGRATIONS, _create_body(**change), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_rotation_returns_a_new_secret_once_and_keeps_the_old_one_for_a_while(api_as, admin_user, squadcast):
    client = api_as(admin_user)
    response = client.post(f"{INTEGRATIONS}{squadcast.pk}/rotate-secret/", {}, format="json")
    assert response.status_code == 200
    new_secret = response.json()["secret"]
    assert new_secret != squadcast.issued_secret
    assert response.json()["previous_secret_valid_until"] is not None
    squadcast.refresh_from_db()
    assert (squadcast.secret, squadcast.previous_secret) == (new_secret, squadcast.issued_secret)
    assert AuditEvent.objects.filter(action="integration.secret_rotated").exists()


def test_an_administrator_edits_and_deletes_an_unused_integration(api_as, admin_user, squadcast):
    client = api_as(admin_user)
    response = client.patch(
        f"{INTEGRATIONS}{squadcast.pk}/", {"name": "Squadcast (EU)", "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    squadcast.refresh_from_db()
    assert squadcast.actor.first_name == "Squadcast (EU)"
    assert client.put(f"{INTEGRATIONS}{squadcast.pk}/", {}, format="json").status_code == 405
    assert client.delete(f"{INTEGRATIONS}{squadcast.pk}/").status_code == 204
    assert not Integration.objects.exists()


def test_an_integration_that_received_deliveries_cannot_be_deleted(api_as, admin_user, send, squadcast):
    send(squadcast, load("squadcast_incident_triggered"))
    assert api_as(admin_user).delete(f"{INTEGRATIONS}{squadcast.pk}/").status_code == 409


@pytest.mark.parametrize("role", ["compliance_officer", "responder", "auditor", "author", "nobody"])
def test_only_administrators_manage_integrations(request, api_as, role, squadcast):
    client = api_as(request.getfixturevalue(role))
    assert client.post(INTEGRATIONS, _create_body(name="x"), format="json").status_code == 403
    assert client.patch(f"{INTEGRATIONS}{squadcast.pk}/", {"name": "y"}, format="json").status_code == 403
    assert client.post(f"{INTEGRATIONS}{squadcast.pk}/rotate-secret/", {}, format="json").status_code == 403
    assert client.delete(f"{INTEGRATIONS}{squadcast.pk}/").status_code == 403
    assert client.post(SUBSCRIPTIONS, {"name": "x"}, format="json").status_code == 403


@pytest.mark.parametrize("role", ["compliance_officer", "responder", "author", "nobody"])
def test_non_administrators_cannot_read_integrations_or_deliveries(request, api_as, role, squadcast):
    client = api_as(request.getfixturevalue(role))
    assert client.get(INTEGRATIONS).status_code == 403
    assert client.get(f"{INTEGRATIONS}{squadcast.pk}/deliveries/").status_code == 403
    assert client.get(SUBSCRIPTIONS).status_code == 403


def test_anonymous_callers_are_refused_everywhere_but_the_webhook(client, squadcast):
    assert client.get(INTEGRATIONS).status_code in (401, 403)
    assert client.get(f"{INTEGRATIONS}{squadcast.pk}/deliveries/").status_code in (401, 403)
    assert client.get(SUBSCRIPTIONS).status_code in (401, 403)


def test_auditors_read_integrations_and_deliveries_but_no_secret(api_as, auditor, send, squadcast):
    send(squadcast, load("squadcast_incident_triggered"))
    client = api_as(auditor)
    assert client.get(INTEGRATIONS).status_code == 200
    deliveries = client.get(f"{INTEGRATIONS}{squadcast.pk}/deliveries/")
    assert deliveries.status_code == 200
    assert [d["outcome"] for d in deliveries.json()["results"]] == ["applied"]
    assert squadcast.issued_secret not in deliveries.content.decode()


def test_deliveries_of_restricted_incidents_stay_hidden_from_those_who_may_not_see_them(
    api_as, admin_user, auditor, send, squadcast
):
    from integrations import services

    send(squadcast, load("squadcast_incident_triggered"))
    services.integration_update(integration=squadcast, actor=admin_user, data={"restrict_incidents": True})
    payload = load("squadcast_incident_triggered")
    payload["event"]["id"] = "second-event"
    payload["data"]["resource_data"]["id"] = "restricted-one"
    payload["data"]["resource_data"]["message"] = "Suspected insider exfiltration"
    send(squadcast, payload)
    send(squadcast, b"not json at all")  # unlinked: hidden too, since this integration restricts
    admin_view = api_as(admin_user).get(f"{INTEGRATIONS}{squadcast.pk}/deliveries/").json()
    assert admin_view["count"] == 3
    auditor_view = api_as(auditor).get(f"{INTEGRATIONS}{squadcast.pk}/deliveries/")
    assert auditor_view.json()["count"] == 1
    assert "exfiltration" not in auditor_view.content.decode()


def test_deliveries_can_be_filtered_by_outcome_and_bad_filters_are_400(api_as, admin_user, send, squadcast):
    send(squadcast, load("squadcast_incident_triggered"))
    send(squadcast, load("squadcast_incident_triggered"))
    client = api_as(admin_user)
    url = f"{INTEGRATIONS}{squadcast.pk}/deliveries/"
    assert client.get(url, {"outcome": "duplicate"}).json()["count"] == 1
    assert client.get(url, {"outcome": "nonsense"}).status_code == 400
    assert client.get(url, {"event_id": "633e670afbb04a577527b4b8"}).json()["count"] == 2


def test_the_integration_list_query_count_does_not_grow_with_the_page_size(api_as, admin_user):
    for number in range(50):
        _make(admin_user, "squadcast", f"Integration {number:02d}", "shared-secret-0123456789abcdef")
    client = api_as(admin_user)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(INTEGRATIONS, {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        return len(captured.captured_queries)

    queries(5)
    assert queries(5) == queries(50) <= 6


def test_the_delivery_list_query_count_does_not_grow_with_the_page_size(api_as, admin_user, send, squadcast):
    send(squadcast, load("squadcast_incident_triggered"))
    for number in range(49):
        payload = load("squadcast_incident_acknowledged")
        payload["event"]["id"] = f"event-{number}"
        send(squadcast, payload)
    assert InboundDelivery.objects.count() == 50
    client = api_as(admin_user)
    url = f"{INTEGRATIONS}{squadcast.pk}/deliveries/"

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(captured.captured_queries)

    queries(5)
    assert queries(5) == queries(50) <= 8


# --- subscriptions -------------------------------------------------------------------------------------


def test_an_administrator_subscribes_a_url_and_sees_its_whsec_secret_once(api_as, admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client = api_as(admin_user)
    response = client.post(
        SUBSCRIPTIONS,
        {
            "name": "SIEM",
            "target_url": "http://127.0.0.1:9/hook",
            "events": ["incident.created", "report.submitted"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    subscription_id = response.json()["id"]
    assert secret not in client.get(f"{SUBSCRIPTIONS}{subscription_id}/").content.decode()
    rotated = client.post(f"{SUBSCRIPTIONS}{subscription_id}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != secret
    patched = client.patch(
        f"{SUBSCRIPTIONS}{subscription_id}/", {"events": ["obligation.overdue"]}, format="json"
    )
    assert patched.json()["events"] == ["obligation.overdue"]
    assert client.delete(f"{SUBSCRIPTIONS}{subscription_id}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "target_url": "http://93.184.216.34/", "events": []},
        {"name": "x", "target_url": "http://93.184.216.34/", "events": ["incident.deleted"]},
        {"name": "x", "target_url": "not a url", "events": ["incident.created"]},
        {"name": "x", "target_url": "http://169.254.169.254/", "events": ["incident.created"]},
    ],
)
def test_bad_subscription_input_is_a_400(api_as, admin_user, body):
    assert api_as(admin_user).post(SUBSCRIPTIONS, body, format="json").status_code == 400


def test_subscription_deliveries_show_attempts_and_hide_restricted_events_from_auditors(
    api_as, admin_user, auditor, responder
):
    from integrations import services
    from tests.integrations.outbound_helpers import declare

    subscription, _ = services.subscription_create(
        actor=admin_user,
        name="All",
        target_url="http://93.184.216.34/",
        events=["incident.created"],
        include_restricted=True,
    )
    declare(responder, title="Visible")
    declare(responder, title="Hidden insider case", is_restricted=True)
    assert WebhookDelivery.objects.count() == 2
    url = f"{SUBSCRIPTIONS}{subscription.pk}/deliveries/"
    assert api_as(admin_user).get(url).json()["count"] == 2
    audited = api_as(auditor).get(url)
    assert audited.json()["count"] == 1
    assert "Hidden insider" not in audited.content.decode()
    assert audited.json()["results"][0]["attempt_log"] == []


def test_the_subscription_list_query_count_does_not_grow_with_the_page_size(api_as, admin_user):
    from integrations import services

    for number in range(50):
        services.subscription_create(
            actor=admin_user,
            name=f"Subscriber {number:02d}",
            target_url="http://93.184.216.34/hook",
            events=["incident.created"],
        )
    client = api_as(admin_user)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SUBSCRIPTIONS, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(captured.captured_queries)

    queries(5)
    assert queries(5) == queries(50) <= 6
