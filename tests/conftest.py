"""Shared fixtures: one user per role, plus the owner / teammate / outsider trio.

``responder`` declared the incident and holds its Incident Commander role,
``teammate`` holds its Scribe role, and ``outsider`` is a responder with no
part in it: for a restricted incident the outsider must see nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import services
from incidents.models import Category, IncidentRole, Severity
from portal import roles
from portal.dbtriggers import guards_lifted
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "audit_signing_key.pem"
    settings.AUDIT_CHECKPOINT_LOG = tmp_path / "audit-checkpoints.jsonl"
    settings.EVIDENCE_PACK_DIR = tmp_path / "evidence-packs"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Hashing with the production work factor would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    """The cache is the database's (shared throttle counters): a test without database access
    has nothing in it to clear."""
    try:
        cache.clear()
    except RuntimeError as exc:
        if "Database access not allowed" not in str(exc):
            raise


@pytest.fixture(autouse=True)
def _no_second_factor_by_default(settings) -> None:
    """The suite signs users in with passwords and force_login; production's MFA
    roles (DEBUG off) are switched on by the tests of tests/identity/."""
    settings.MFA_REQUIRED_GROUPS = []


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions_at_teardown(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Live-server and worker threads of the last tests may still hold a connection when the
    session ends; PostgreSQL then refuses to drop the test database ("being accessed by other
    users"). Those sessions are ours and finished, so they are ended before the drop."""
    yield
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_append_only_guards() -> Iterator[None]:
    """pytest-django empties the tables after each transactional test with
    ``flush``; the append-only triggers would refuse it, so they are lifted
    for the flush alone (and only in tests: production code never flushes),
    and the reference data is put back right after."""
    original = flush.Command.handle

    def handle(self: flush.Command, **options: object) -> None:
        with guards_lifted(connections[str(options.get("database") or DEFAULT_DB_ALIAS)]):
            original(self, **options)
        # Tests that run after this one (in any order, also under xdist) find
        # the reference data of the data migrations as after `migrate`.
        restore_reference_data()

    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]


PROJECT_APPS = ("portal", "incidents", "compliance", "postmortems", "integrations", "evidence")


def restore_reference_data() -> None:
    """Run the project's data migrations again, on the live registry.

    ``flush`` after a transactional test empties every table, including what
    the data migrations created (roles, severities, templates). Every such
    function is idempotent, so running them all again brings that data back.
    """
    from django.apps import apps as live_apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection)
    ordered: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(leaf):
            if key not in ordered:
                ordered.append(key)
    editor = SimpleNamespace(connection=connection)
    for app_label, name in ordered:
        if app_label not in PROJECT_APPS:
            continue
        for operation in loader.graph.nodes[(app_label, name)].operations:
            if isinstance(operation, RunPython):
                operation.code(live_apps, editor)


@pytest.fixture
def tx_db(transactional_db) -> None:
    """A transactional database (concurrency and live-server tests); the
    flush after it restores the reference data (see above)."""


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
