"""Fixtures of the post-mortem page tests: a reviewer, a post-mortem for a resolved
incident and one of its action items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal import roles
from postmortems import services
from postmortems.choices import ActionItemKind
from tests.factories import UserFactory
from tests.postmortems.factories import resolve, start_postmortem


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", role=roles.POSTMORTEM_AUTHOR)


@pytest.fixture
def resolved_incident(incident, responder):
    return resolve(incident, responder)


@pytest.fixture
def postmortem(author, reviewer, resolved_incident):
    return start_postmortem(author, [resolved_incident], reviewers=[reviewer])


@pytest.fixture
def item(postmortem, author):
    return services.action_item_create(
        actor=author,
        postmortem=postmortem,
        title="Add a statement timeout",
        owner=author,
        due_date=timezone.localdate() + timedelta(days=14),
        kind=ActionItemKind.PREVENT,
    )
