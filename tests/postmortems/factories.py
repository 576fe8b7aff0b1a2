"""Helpers and factories for post-mortem tests.

Behaviour is set up through the services (so timelines and audit events are
real); ``ActionItemFactory`` makes bare rows for list and query-budget tests.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from incidents import services as incident_services
from incidents.choices import IncidentAction
from incidents.models import Incident
from portal import roles
from postmortems import services
from postmortems.choices import ActionItemKind, ActionItemPriority
from postmortems.models import ActionItem, Postmortem, PostmortemTemplate
from tests.factories import UserFactory


def resolve(incident: Incident, actor: Any, *, minutes: tuple[int, int, int] = (5, 20, 40)) -> Incident:
    """Walk an incident to resolved, with the steps ``minutes`` after detection (never in the future)."""
    now = timezone.now()
    for action, after in zip(
        [IncidentAction.ACKNOWLEDGE, IncidentAction.CONTAIN, IncidentAction.RESOLVE], minutes, strict=True
    ):
        at = min(incident.detected_at + timedelta(minutes=after), now)
        incident = incident_services.incident_transition(incident=incident, action=action, actor=actor, at=at)
    return incident


def standard_template() -> PostmortemTemplate:
    return PostmortemTemplate.objects.get(slug="standard")


def start_postmortem(author: Any, incidents: list[Incident], **kwargs: Any) -> Postmortem:
    kwargs.setdefault("template", standard_template())
    return services.postmortem_create(actor=author, incidents=incidents, **kwargs)


def make_publishable(postmortem: Postmortem, author: Any, *, owner: Any = None) -> Postmortem:
    """Fill what the quality gate requires: required sections, a factor and an action item."""
    bodies = {section.key: f"Written text for {section.title}." for section in postmortem.sections.all()}
    postmortem = services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={
            "sections": bodies,
            "whys": ["The pool was exhausted.", "A slow query held connections.", "No query timeout."],
            "contributing_factors": [{"category": "change", "description": "A release added the query."}],
        },
    )
    services.action_item_create(
        actor=author,
        postmortem=postmortem,
        title="Add a statement timeout",
        owner=owner or author,
        due_date=timezone.localdate() + timedelta(days=14),
        kind=ActionItemKind.PREVENT,
        priority=ActionItemPriority.HIGH,
    )
    return Postmortem.objects.get(pk=postmortem.pk)


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory, role=roles.POSTMORTEM_AUTHOR)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    created_by = factory.LazyAttribute(lambda item: item.postmortem.created_by)
