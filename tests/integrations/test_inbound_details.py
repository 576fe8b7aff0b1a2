"""What a vendor incident brings besides its status (issue 17): its summary when the vendor sends
one, and clickable links to the vendor's page (PagerDuty ``html_url``, other vendors' ``url``)."""

from __future__ import annotations

import copy
import re

from incidents import services as incident_services
from incidents.models import Incident
from integrations.models import ExternalIncident
from tests.integrations.conftest import load


def pagerduty_trigger(**data: object) -> dict:
    payload = copy.deepcopy(load("pagerduty_incident_triggered"))
    payload["event"]["data"].update(data)
    return payload


def test_a_pagerduty_description_becomes_the_incident_summary(send, pagerduty):
    send(pagerduty, pagerduty_trigger(description="Checkout API answers 502 for 8% of requests."))
    assert Incident.objects.get().summary == "Checkout API answers 502 for 8% of requests."


def test_pagerduty_body_details_are_the_summary_and_a_description_repeating_the_title_is_not(send, pagerduty):
    title = load("pagerduty_incident_triggered")["event"]["data"]["title"]
    send(pagerduty, pagerduty_trigger(description=title))
    assert Incident.objects.get().summary == ""
    later = load("pagerduty_incident_acknowledged")
    later["event"]["data"]["body"] = {"type": "incident_body", "details": "Disk full on db-3."}
    assert send(pagerduty, later).status_code == 200
    assert Incident.objects.get().summary == "Disk full on db-3."


def test_a_summary_sent_later_fills_an_empty_one_but_never_replaces_the_portals(send, generic, admin_user):
    triggered = load("generic_triggered")
    del triggered["data"]["incident"]["summary"]
    send(generic, triggered, msg_id="msg_triggered")
    incident = Incident.objects.get()
    assert incident.summary == ""
    acknowledged = load("generic_acknowledged")
    acknowledged["data"]["incident"]["summary"] = "Synthetic checks failing in eu-west."
    send(generic, acknowledged, msg_id="msg_acknowledged")
    incident.refresh_from_db()
    assert incident.summary == "Synthetic checks failing in eu-west."
    incident_services.incident_update(incident=incident, actor=admin_user, data={"summary": "Written here."})
    resolved = load("generic_resolved")
    resolved["data"]["incident"]["summary"] = "Vendor text again."
    send(generic, resolved, msg_id="msg_resolved")
    incident.refresh_from_db()
    assert incident.summary == "Written here."


def _timeline(page: str) -> str:
    match = re.search(r'<div id="timeline-block">(.*?)</ol>', page, re.S)
    assert match, "no timeline on the page"
    return match.group(1)


def test_the_vendor_link_is_clickable_on_the_incident_timeline(send, pagerduty, client, admin_user):
    send(pagerduty, load("pagerduty_incident_triggered"))
    incident = Incident.objects.get()
    client.force_login(admin_user)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert '<a href="https://acme.pagerduty.com/incidents/PGR0VU2"' in _timeline(page)
    assert 'href="https://acme.pagerduty.com/incidents/PGR0VU2"' in page.split('id="vendor-links"', 1)[1]


def test_a_vendor_link_sent_after_the_incident_was_created_is_recorded(send, pagerduty):
    annotated = load("pagerduty_incident_annotated")
    triggered = pagerduty_trigger(html_url="")
    send(pagerduty, triggered)
    assert ExternalIncident.objects.get().url == ""
    send(pagerduty, annotated)
    assert ExternalIncident.objects.get().url == annotated["event"]["data"]["incident"]["html_url"]


def test_a_vendor_link_that_is_not_http_is_never_made_clickable(send, pagerduty, client, admin_user):
    send(pagerduty, pagerduty_trigger(html_url="javascript:alert(1)"))
    incident = Incident.objects.get()
    assert ExternalIncident.objects.get().url == ""
    client.force_login(admin_user)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "javascript:alert" not in page
