"""factory_boy factories for every model of the project."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import (
    Category,
    Evidence,
    Incident,
    IncidentRole,
    RoleAssignment,
    Service,
    Severity,
    TimelineEvent,
)
from portal.models import ApiToken


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class SeverityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Severity
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"P{n + 10}")
    rank = factory.Sequence(lambda n: n + 10)
    acknowledge_target_minutes = 30
    resolve_target_minutes = 240


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Service {n}")
    owner = "Platform team"


class IncidentRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentRole
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Role {n}")
    slug = factory.Sequence(lambda n: f"role-{n}")


class IncidentFactory(factory.django.DjangoModelFactory):
    """A bare incident row; use the services when the test is about behaviour."""

    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"INC-2026-{n + 5000:04d}")
    title = factory.Sequence(lambda n: f"Incident {n}")
    summary = "Something broke."
    severity = factory.LazyFunction(lambda: Severity.objects.get(name="SEV2"))
    category = factory.LazyFunction(lambda: Category.objects.get(slug="system-outage"))
    detected_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=3))
    occurred_at = factory.LazyAttribute(lambda o: o.detected_at - timedelta(minutes=20))
    created_by = factory.SubFactory(UserFactory)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    incident = factory.SubFactory(IncidentFactory)
    role = factory.LazyFunction(lambda: IncidentRole.objects.get(slug="incident-commander"))
    user = factory.SubFactory(UserFactory)


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    kind = "note"
    text = factory.Sequence(lambda n: f"Note {n}")


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    incident = factory.SubFactory(IncidentFactory)
    file = factory.django.FileField(filename="log.txt", data=b"log line\n")
    original_name = "log.txt"
    content_type = "text/plain"
    size = 9
    sha256 = "0" * 64
    uploaded_by = factory.SubFactory(UserFactory)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    prefix = "abcdefgh"
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
