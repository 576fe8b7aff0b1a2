"""factory_boy factories for the response plan (teams, playbooks, templates, exercises)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from incidents.choices import Audience, Channel, ExerciseType
from incidents.models import (
    Category,
    CommunicationGuideline,
    EscalationContact,
    Exercise,
    IncidentRole,
    Playbook,
    PlaybookEscalationRule,
    PlaybookTask,
    Severity,
    StakeholderTemplate,
    Team,
    TeamMember,
    TeamRoleCover,
    TeamType,
)
from tests.factories import UserFactory


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")
    team_type = factory.LazyFunction(lambda: TeamType.objects.get(slug="csirt"))
    email = factory.LazyAttribute(lambda t: f"{t.name.lower().replace(' ', '-')}@example.com")


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.roles.set(IncidentRole.objects.filter(slug__in=extracted))


def cover(team: Team, role_slug: str, primary: Any, deputy: Any = None) -> TeamRoleCover:
    """Make ``primary`` (and ``deputy``) members able to hold the role, and the cover itself."""
    role = IncidentRole.objects.get(slug=role_slug)
    members = []
    for user in (primary, deputy):
        if user is None:
            members.append(None)
            continue
        member, _ = TeamMember.objects.get_or_create(team=team, user=user)
        member.roles.add(role)
        members.append(member)
    return TeamRoleCover.objects.create(team=team, role=role, primary=members[0], deputy=members[1])


class EscalationContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationContact

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    function = "CISO"
    email = factory.Sequence(lambda n: f"contact{n}@example.com")


class PlaybookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Playbook

    name = factory.Sequence(lambda n: f"Playbook {n}")
    category = factory.LazyFunction(lambda: Category.objects.get(slug="system-outage"))
    minimum_severity = factory.LazyFunction(lambda: Severity.objects.get(name="SEV4"))


class PlaybookTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaybookTask

    playbook = factory.SubFactory(PlaybookFactory)
    order = factory.Sequence(lambda n: (n + 1) * 10)
    title = factory.Sequence(lambda n: f"Step {n}")
    guidance = "Do it carefully."
    role = factory.LazyFunction(lambda: IncidentRole.objects.get(slug="incident-commander"))
    due_after_minutes = 30


class EscalationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaybookEscalationRule

    playbook = factory.SubFactory(PlaybookFactory)
    milestone = "contained"
    after_minutes = 60
    notify_emails = factory.LazyFunction(lambda: ["ciso@example.com"])


class StakeholderTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StakeholderTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    audience = Audience.CUSTOMERS
    channel = Channel.EMAIL
    language = "en"
    subject_template = "[{{ severity }}] {{ reference }}: {{ title }}"
    body_template = "<p>{{ summary }}</p><p>Next update: {{ next_update_at }}</p>"


class GuidelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunicationGuideline

    playbook = factory.SubFactory(PlaybookFactory)
    audience = Audience.CUSTOMERS
    within_minutes = 60


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    title = factory.Sequence(lambda n: f"Exercise {n}")
    exercise_type = ExerciseType.TABLETOP
    scenario = "Ransomware encrypts the file shares on a Friday evening."
    objectives = "Practise the decision on isolation."
    scheduled_for = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    conducted_at = factory.LazyAttribute(lambda o: o.scheduled_for)
    findings = "The contact list was out of date."
    follow_up_actions = factory.LazyFunction(lambda: ["Update the contact list"])
