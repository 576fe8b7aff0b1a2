"""The portal's own access rules (portal/permissions.py) over the demo roles, and that the page
and the API endpoint that ask them answer alike."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from portal import permissions as rules

# Read off the role grants of portal/migrations/0003_roles.py, not off the predicates.
#                       dashboard audit  admin  roles  has a role
TRUTH = {
    "admin_user": (True, True, True, True, True),
    "compliance_officer": (True, False, False, False, True),
    "responder": (True, False, False, False, True),
    "author": (True, False, False, False, True),
    "auditor": (True, True, False, False, True),
    "nobody": (True, False, False, False, False),
}
PREDICATES = (
    rules.can_view_dashboard,
    rules.can_view_audit_trail,
    rules.can_open_admin,
    rules.can_administer_roles,
    rules.holds_a_role,
)


@pytest.mark.parametrize("person", list(TRUTH))
def test_each_role_may_do_what_its_grants_say(request, db, person):
    user = request.getfixturevalue(person)
    names = [predicate.__name__ for predicate in PREDICATES]
    assert dict(zip(names, [p(user) for p in PREDICATES], strict=True)) == dict(
        zip(names, TRUTH[person], strict=True)
    )


def test_an_anonymous_visitor_may_do_nothing():
    assert not any(predicate(AnonymousUser()) for predicate in PREDICATES)


@pytest.mark.parametrize("person", list(TRUTH))
def test_the_user_picker_answers_as_its_map_says(request, db, api_as, person):
    user = request.getfixturevalue(person)
    allowed = user.has_perms(rules.USER_VIEWSET["list"])
    assert allowed is (person != "nobody")
    assert api_as(user).get("/api/v1/users/").status_code == (200 if allowed else 403)


@pytest.mark.parametrize("person", list(TRUTH))
def test_the_audit_trail_shows_exactly_to_whom_the_predicate_names(request, db, client, person):
    """The page also opens (and the menu offers it) for whom another app's panel has something
    (evidence packs for compliance officers), without the trail."""
    user = request.getfixturevalue(person)
    allowed = rules.can_view_audit_trail(user)
    client.force_login(user)
    page = client.get("/audit/")
    assert (page.status_code == 200 and "<h1>Audit trail</h1>" in page.content.decode()) is allowed
