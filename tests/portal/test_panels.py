"""Pages composed from the panels each app registers."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from integrations.models import ExternalIncident
from portal import panels
from tests.compliance.conftest import assess


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_panels_render_in_order_and_hide_when_they_have_nothing_to_show(db, responder):
    request = RequestFactory().get("/")
    request.user = responder
    request.session = {}
    slot = "profile"
    registered = [
        panels.Panel(slot, "tests.second", "portal/_pagination.html", lambda r, o: {}, order=-1),
        panels.Panel(slot, "tests.first", "portal/_pagination.html", lambda r, o: {}, order=-2),
        panels.Panel(slot, "tests.hidden", "portal/_pagination.html", lambda r, o: None, order=-3),
    ]
    try:
        for panel in registered:
            panels.register(panel)
        names = [panel.name for panel in panels.panels(slot)]
        assert names.index("tests.first") < names.index("tests.second")
        before = len(panels.render_panels(slot, request))
        panels.unregister(slot, "tests.hidden")
        assert len(panels.render_panels(slot, request)) == before
    finally:
        for panel in registered:
            panels.unregister(slot, panel.name)


def test_an_unknown_slot_is_refused():
    with pytest.raises(ValueError, match="Unknown panel slot"):
        panels.register(panels.Panel("nowhere", "x", "x.html", lambda r, o: {}))


def test_each_app_contributes_to_the_incident_page_by_role(
    logged_in, incident, compliance_officer, author, bank
):
    assess(incident, bank, compliance_officer)
    officer_page = logged_in(compliance_officer).get(f"/incidents/{incident.pk}/").content.decode()
    assert "Regulatory obligations" in officer_page
    assert "Write the post-mortem" not in officer_page
    author_page = logged_in(author).get(f"/incidents/{incident.pk}/").content.decode()
    assert "Regulatory obligations" not in author_page
    assert "Write the post-mortem" in author_page


def test_vendor_links_appear_on_the_incident_page(logged_in, incident, responder, pagerduty):
    ExternalIncident.objects.create(
        integration=pagerduty,
        external_id="PT4KHLK",
        incident=incident,
        number="1234",
        url="https://acme.pagerduty.com/incidents/PT4KHLK",
    )
    page = logged_in(responder).get(f"/incidents/{incident.pk}/").content.decode()
    assert 'href="https://acme.pagerduty.com/incidents/PT4KHLK"' in page
    assert "Linked vendor incidents" in page


def test_the_dashboard_is_composed_of_the_apps_panels(logged_in, author, compliance_officer):
    author_page = logged_in(author).get("/").content.decode()
    assert "Your role does not include compliance deadlines." in author_page
    assert "Overdue action items" in author_page
    assert "Declare an incident" not in author_page
    officer_page = logged_in(compliance_officer).get("/").content.decode()
    assert "Regulatory deadlines" in officer_page
    assert "On-time notifications" in officer_page


def test_the_calendar_feed_panel_rotates_the_feed_url(logged_in, compliance_officer, author):
    client = logged_in(compliance_officer)
    assert "Deadline calendar" in client.get("/profile/").content.decode()
    response = client.post("/compliance/calendar-feed/rotate/")
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    page = client.get("/profile/").content.decode()
    assert "/api/v1/compliance/deadlines.ics?token=" in page
    assert "/api/v1/compliance/deadlines.ics?token=" not in client.get("/profile/").content.decode()
    author_client = logged_in(author)
    assert "Deadline calendar" not in author_client.get("/profile/").content.decode()
    assert author_client.post("/compliance/calendar-feed/rotate/").status_code == 403
