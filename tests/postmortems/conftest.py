"""Fixtures of the post-mortem tests.

``author`` writes and owns the post-mortem, ``reviewer`` (another author) is
listed as its reviewer; the incidents are resolved before the post-mortem
starts, as the service requires.
"""

from __future__ import annotations

import pytest

from incidents import services as incident_services
from incidents.models import IncidentRole
from portal import roles
from tests.factories import UserFactory
from tests.postmortems.factories import resolve, start_postmortem


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", role=roles.POSTMORTEM_AUTHOR)


@pytest.fixture
def resolved_incident(incident, responder):
    return resolve(incident, responder)


@pytest.fixture
def restricted_resolved(restricted_incident, responder, author, reviewer):
    """A restricted incident with the author and the reviewer on its response team."""
    for slug, user in [("technical-lead", author), ("communications-lead", reviewer)]:
        incident_services.incident_assign_role(
            incident=restricted_incident, role=IncidentRole.objects.get(slug=slug), user=user, actor=responder
        )
    return resolve(restricted_incident, responder)


@pytest.fixture
def postmortem(author, reviewer, resolved_incident):
    return start_postmortem(author, [resolved_incident], reviewers=[reviewer])
