"""The demo post-mortems: every status, action items in every status, some overdue; idempotent."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Category, Severity
from portal import roles
from postmortems.choices import ActionItemStatus, PostmortemStatus
from postmortems.demo import seed_postmortems
from postmortems.models import ActionItem, Postmortem
from tests.factories import UserFactory
from tests.postmortems.factories import resolve


def test_seeding_creates_every_status_once(db, responder):
    for username, role in [
        ("author", roles.POSTMORTEM_AUTHOR),
        ("daniel.novak", roles.POSTMORTEM_AUTHOR),
        ("ingrid.larsen", roles.POSTMORTEM_AUTHOR),
        ("compliance", roles.COMPLIANCE_OFFICER),
        ("admin", roles.ADMINISTRATOR),
    ]:
        UserFactory(username=username, role=role)
    categories = [
        "system-outage",
        "third-party-outage",
        "data-breach",
        "ddos",
        "phishing",
        "misconfiguration",
    ]
    for number in range(8):
        incident = incident_services.incident_create(
            actor=responder,
            title=f"Demo incident {number}",
            severity=Severity.objects.get(rank=1 + number % 4),
            category=Category.objects.get(slug=categories[number % len(categories)]),
            detected_at=timezone.now() - timedelta(days=40 - number * 4),
        )
        resolve(incident, responder, minutes=(10, 60, 180))
    out = StringIO()
    seed_postmortems(stdout=out)
    assert "7 created" in out.getvalue()
    statuses = sorted(Postmortem.objects.values_list("status", flat=True))
    assert statuses.count(PostmortemStatus.PUBLISHED) == 3
    assert statuses.count(PostmortemStatus.IN_REVIEW) == 2
    assert statuses.count(PostmortemStatus.DRAFT) == 2
    assert set(ActionItem.objects.values_list("status", flat=True)) == set(ActionItemStatus.values)
    assert any(item.is_overdue for item in ActionItem.objects.all())
    published = Postmortem.objects.filter(status=PostmortemStatus.PUBLISHED)
    assert all(pm.whys and pm.factors.exists() and pm.revisions.count() == 1 for pm in published)
    assert all(pm.published_by.username != pm.owner.username for pm in published)

    again = StringIO()
    seed_postmortems(stdout=again)
    assert "0 created, 7 already there" in again.getvalue()
    assert Postmortem.objects.count() == 7


def test_seeding_without_the_demo_users_does_nothing(db):
    out = StringIO()
    seed_postmortems(stdout=out)
    assert "skipped" in out.getvalue()
    assert not Postmortem.objects.exists()
