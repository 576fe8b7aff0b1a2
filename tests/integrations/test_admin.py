"""The admin shows integrations and deliveries, never a secret, and edits through the services."""

from __future__ import annotations

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
    assert client.get("/admin/integrations/integration/add/").status_code == 403


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
