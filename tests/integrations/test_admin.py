"""The admin shows integrations and deliveries, never a secret, and edits through the services."""

from __future__ import annotations

import pytest

from incidents.models import Category, Severity
from integrations.models import Integration
from portal.models import AuditEvent
from tests.integrations.conftest import load


def test_admin_pages_render_without_secrets(client, admin_user, send, squadcast):
    send(squadcast, load("squadcast_incident_triggered"))
    client.force_login(admin_user)
    for path in [
        "/admin/integrations/integration/",
        f"/admin/integrations/integration/{squadcast.pk}/change/",
        "/admin/integrations/inbounddelivery/",
        "/admin/integrations/externalincident/",
        "/admin/integrations/webhooksubscription/",
        "/admin/integrations/webhookdelivery/",
        "/admin/integrations/importedincident/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert squadcast.issued_secret not in response.content.decode(), path
    add_page = client.get("/admin/integrations/integration/add/")
    assert add_page.status_code == 200
    assert 'name="signing_secret"' in add_page.content.decode()


def test_admin_edits_go_through_the_service_and_are_validated(client, admin_user, squadcast):
    client.force_login(admin_user)
    url = f"/admin/integrations/integration/{squadcast.pk}/change/"
    form = {
        "name": "Squadcast renamed",
        "default_category": squadcast.default_category_id,
        "default_severity": squadcast.default_severity_id,
        "severity_mapping": '{"P1": "SEV9"}',
        "default_legal_entity": "",
        "is_active": "on",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "not an active severity" in refused.content.decode()
    assert client.post(url, {**form, "severity_mapping": '{"P1": "SEV1"}'}).status_code == 302
    squadcast.refresh_from_db()
    assert squadcast.name == "Squadcast renamed"
    assert Integration.objects.get().secret == squadcast.issued_secret
    assert AuditEvent.objects.filter(action="integration.updated", actor=admin_user).exists()


def _add_form(**extra: str) -> dict[str, str]:
    return {
        "kind": "squadcast",
        "name": "Squadcast staging",
        "default_category": str(Category.objects.get(slug="system-outage").pk),
        "default_severity": str(Severity.objects.get(name="SEV3").pk),
        "severity_mapping": '{"P1": "SEV1"}',
        "default_legal_entity": "",
        "is_active": "on",
        "signing_secret": "",
        **extra,
    }


def test_an_integration_added_in_the_admin_shows_its_generated_secret_once(client, admin_user, send):
    client.force_login(admin_user)
    response = client.post("/admin/integrations/integration/add/", _add_form())
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    integration = Integration.objects.get(name="Squadcast staging")
    page = response.content.decode()
    assert integration.secret in page
    assert f"/api/v1/integrations/{integration.pk}/webhook/" in page
    assert AuditEvent.objects.filter(action="integration.created", actor=admin_user).exists()
    assert integration.actor.username  # the service user made by the same service as the API
    # Shown once: the integration's pages never show it again.
    again = client.get(f"/admin/integrations/integration/{integration.pk}/change/").content.decode()
    assert integration.secret not in again
    assert integration.secret not in client.get("/admin/integrations/integration/").content.decode()
    # The secret works: the vendor's webhook is accepted with it.
    integration.issued_secret = integration.secret
    assert send(integration, load("squadcast_incident_triggered")).status_code == 200


def test_a_pagerduty_integration_added_in_the_admin_keeps_the_secret_pagerduty_showed(client, admin_user):
    client.force_login(admin_user)
    secret = "pd-whsec-admin-0123456789abcdef0123456789"
    response = client.post("/admin/integrations/integration/add/", _add_form(kind="pagerduty", signing_secret=secret))
    assert response.status_code == 200
    assert Integration.objects.get(kind="pagerduty").secret == secret
    assert secret in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"kind": "pagerduty"}, "Paste the signing secret PagerDuty showed"),
        ({"kind": "generic", "signing_secret": "not-a-whsec-secret"}, "whsec_"),
        ({"severity_mapping": '{"P1": "SEV9"}'}, "not an active severity"),
        ({"name": "  "}, "This field is required"),
    ],
)
def test_a_bad_admin_addition_is_shown_next_to_its_field_and_creates_nothing(
    client, admin_user, extra, message
):
    client.force_login(admin_user)
    response = client.post("/admin/integrations/integration/add/", _add_form(**extra))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Integration.objects.exists()
