"""Shared fixtures: one user per role, plus the owner / teammate / outsider trio.

``responder`` declared the incident and holds its Incident Commander role,
``teammate`` holds its Scribe role, and ``outsider`` is a responder with no
part in it: for a restricted incident the outsider must see nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import services
from incidents.models import Category, IncidentRole, Severity
from portal import roles
from portal.dbtriggers import GUARDS
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Hashing with the production work factor would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def restore_guards(django_db_blocker) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        for guard in GUARDS:
            guard.create(connection)


@pytest.fixture
def tx_db(restore_guards, django_db_serialized_rollback, transactional_db) -> Iterator[None]:
    """A transactional database whose append-only guards are lifted only for
    pytest-django's flush after the test, and put back after that. The rows
    that migrations created (roles, severities...) are restored after the flush."""
    yield
    for guard in GUARDS:
        guard.drop(connection)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=roles.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def compliance_officer(db):
    return UserFactory(username="compliance", role=roles.COMPLIANCE_OFFICER)


@pytest.fixture
def responder(db):
    return UserFactory(username="responder", role=roles.INCIDENT_RESPONDER)


@pytest.fixture
def teammate(db):
    return UserFactory(username="teammate", role=roles.INCIDENT_RESPONDER)


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", role=roles.INCIDENT_RESPONDER)


@pytest.fixture
def author(db):
    return UserFactory(username="author", role=roles.POSTMORTEM_AUTHOR)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=roles.AUDITOR)


@pytest.fixture
def nobody(db):
    """Signed in, but holding no role at all."""
    return UserFactory(username="nobody")


@pytest.fixture
def sev2(db) -> Severity:
    return Severity.objects.get(name="SEV2")


@pytest.fixture
def outage(db) -> Category:
    return Category.objects.get(slug="system-outage")


@pytest.fixture
def incident(responder, teammate, sev2, outage):
    """An open incident declared by ``responder`` with ``teammate`` as scribe."""
    created = services.incident_create(
        actor=responder,
        title="Payments API returning 502",
        summary="Checkout fails for a third of users.",
        severity=sev2,
        category=outage,
        detected_at=timezone.now() - timedelta(hours=1),
    )
    services.incident_assign_role(
        incident=created, role=IncidentRole.objects.get(slug="scribe"), user=teammate, actor=responder
    )
    created.refresh_from_db()
    return created


@pytest.fixture
def restricted_incident(responder, teammate, sev2):
    created = services.incident_create(
        actor=responder,
        title="Suspected insider exfiltration",
        summary="HR case 4411.",
        severity=sev2,
        category=Category.objects.get(slug="insider-threat"),
        is_restricted=True,
    )
    services.incident_assign_role(
        incident=created, role=IncidentRole.objects.get(slug="scribe"), user=teammate, actor=responder
    )
    created.refresh_from_db()
    return created


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api):
    def login(user) -> APIClient:
        api.force_authenticate(user=user)
        return api

    return login
