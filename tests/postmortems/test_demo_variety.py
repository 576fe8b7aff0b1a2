"""The demo post-mortems read like different reviews: their action items differ."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Category, Severity
from portal import roles
from postmortems.demo import seed_postmortems
from postmortems.models import Postmortem
from tests.factories import UserFactory
from tests.postmortems.factories import resolve


def test_no_two_demo_post_mortems_share_their_action_items(db, responder):
    for username, role in [
        ("author", roles.POSTMORTEM_AUTHOR),
        ("daniel.novak", roles.POSTMORTEM_AUTHOR),
        ("ingrid.larsen", roles.POSTMORTEM_AUTHOR),
        ("compliance", roles.COMPLIANCE_OFFICER),
        ("admin", roles.ADMINISTRATOR),
    ]:
        UserFactory(username=username, role=role)
    # Categories repeat, as in the real demo (two DDoS attacks, two outages).
    categories = ["ddos", "system-outage", "ddos", "phishing", "system-outage", "malware", "ddos"]
    for number, slug in enumerate(categories):
        incident = incident_services.incident_create(
            actor=responder,
            title=f"Demo incident {number}",
            severity=Severity.objects.get(rank=1 + number % 4),
            category=Category.objects.get(slug=slug),
            detected_at=timezone.now() - timedelta(days=40 - number * 4),
        )
        resolve(incident, responder, minutes=(10, 60, 180))
    seed_postmortems(stdout=StringIO())
    titles = [
        frozenset(pm.action_items.values_list("title", flat=True)) for pm in Postmortem.objects.order_by("pk")
    ]
    assert len(titles) == 7
    for index, first in enumerate(titles):
        for second in titles[index + 1 :]:
            assert not first & second, sorted(first & second)
