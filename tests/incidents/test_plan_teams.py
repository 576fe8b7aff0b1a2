"""Teams and their roster: pulled into incidents by rule (primary, else deputy)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents import services
from incidents.choices import TimelineKind
from incidents.models import Category, IncidentRole, RoleAssignment, Severity, Team
from portal.models import AuditEvent
from tests.incidents.factories_plan import EscalationContactFactory, PlaybookFactory, TeamFactory, cover


@pytest.fixture
def csirt(responder, teammate):
    team = TeamFactory(name="CSIRT")
    cover(team, "incident-commander", responder, teammate)
    cover(team, "scribe", teammate)
    EscalationContactFactory(team=team, name="Chief Information Security Officer", email="ciso@example.com")
    return team


def _holders(incident) -> dict[str, str]:
    return {
        a.role.slug: a.user.username
        for a in RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True).select_related(
            "role", "user"
        )
    }


def _declare(client, **overrides):
    body = {
        "title": "Payments down",
        "severity": Severity.objects.get(name="SEV2").pk,
        "category": Category.objects.get(slug="system-outage").pk,
        "detected_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        **overrides,
    }
    return client.post("/api/v1/incidents/", body, format="json")


def test_declaring_with_a_team_assigns_the_primaries_and_says_so_on_the_timeline(api_as, outsider, csirt):
    response = _declare(api_as(outsider), team=csirt.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["team"] == {"id": csirt.pk, "name": "CSIRT"}
    assert {(r["role"], r["user"]["username"]) for r in body["roles"]} == {
        ("incident-commander", "responder"),
        ("scribe", "teammate"),
    }
    texts = [
        e["text"] for e in api_as(outsider).get(f"/api/v1/incidents/{body['id']}/timeline/").json()["results"]
    ]
    commander = get_user_model().objects.get(username="responder").get_full_name()
    assert any(f"{commander} is now Incident Commander (primary in CSIRT)" in t for t in texts)
    assert not any("responder is now" in t for t in texts)  # people by name, not by account
    assert any(t.startswith("Team CSIRT pulled in.") for t in texts)


def test_the_deputy_steps_in_when_the_primary_is_away(responder, teammate, sev2, outage, csirt):
    csirt.members.filter(user=responder).update(is_available=False)
    incident = services.incident_create(
        actor=responder, title="x", severity=sev2, category=outage, team=csirt
    )
    assert _holders(incident)["incident-commander"] == "teammate"
    event = incident.timeline.filter(kind=TimelineKind.ROLE_CHANGE, data__role="incident-commander").get()
    assert "deputy in CSIRT" in event.text


def test_a_deactivated_primary_counts_as_away(responder, teammate, sev2, outage, csirt):
    responder.is_active = False
    responder.save(update_fields=["is_active"])
    incident = services.incident_create(actor=teammate, title="x", severity=sev2, category=outage, team=csirt)
    assert _holders(incident)["incident-commander"] == "teammate"


def test_a_role_nobody_can_take_stays_vacant_and_the_timeline_says_so(
    responder, teammate, sev2, outage, csirt
):
    csirt.members.filter(user=teammate).update(is_available=False)
    incident = services.incident_create(
        actor=responder, title="x", severity=sev2, category=outage, team=csirt
    )
    assert "scribe" not in _holders(incident)
    summary = incident.timeline.filter(kind=TimelineKind.ROLE_CHANGE, data__team="CSIRT").get()
    assert "Scribe: nobody available" in summary.text


def test_pulling_a_team_in_later_keeps_the_current_holders(api_as, responder, incident, outsider):
    team = TeamFactory(name="Crisis team")
    cover(team, "incident-commander", outsider)
    cover(team, "scribe", outsider)
    services.incident_assign_role(
        incident=incident,
        role=IncidentRole.objects.get(slug="incident-commander"),
        user=responder,
        actor=responder,
    )
    response = api_as(responder).post(
        f"/api/v1/incidents/{incident.pk}/team/", {"team": team.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["team"]["name"] == "Crisis team"
    assert _holders(incident) == {"incident-commander": "responder", "scribe": "teammate"}
    assert AuditEvent.objects.filter(action="incident.team_pulled_in", object_id=str(incident.pk)).exists()


def test_the_playbooks_team_is_pulled_in_when_the_declaration_names_none(responder, sev2, outage, csirt):
    PlaybookFactory(category=outage, team=csirt)
    incident = services.incident_create(actor=responder, title="x", severity=sev2, category=outage)
    assert incident.team == csirt
    assert _holders(incident)["incident-commander"] == "responder"


def test_a_deactivated_team_cannot_be_pulled_in(api_as, responder, csirt):
    Team.objects.filter(pk=csirt.pk).update(is_active=False)
    response = _declare(api_as(responder), team=csirt.pk)
    assert response.status_code == 400
    assert "team" in response.json()


def test_administrators_write_teams_with_their_roster(api_as, admin_user, responder, teammate):
    body = {
        "name": "IT operations",
        "team_type": "central",
        "email": "itops@example.com",
        "phone": "+44 20 7946 0000",
        "members": [
            {"user": responder.pk, "roles": ["incident-commander", "technical-lead"]},
            {"user": teammate.pk, "roles": ["incident-commander", "scribe"], "is_available": False},
        ],
        "role_covers": [
            {"role": "incident-commander", "primary": responder.pk, "deputy": teammate.pk},
            {"role": "scribe", "primary": teammate.pk},
        ],
        "escalation_contacts": [{"name": "Head of IT", "email": "head.it@example.com"}],
    }
    created = api_as(admin_user).post("/api/v1/teams/", body, format="json")
    assert created.status_code == 201, created.content
    team = created.json()
    assert team["team_type"] == "central"
    assert [c["role"] for c in team["role_covers"]] == ["incident-commander", "scribe"]
    assert team["role_covers"][0]["deputy"]["username"] == "teammate"
    assert team["escalation_contacts"][0]["email"] == "head.it@example.com"
    changed = api_as(admin_user).patch(
        f"/api/v1/teams/{team['id']}/",
        {"escalation_contacts": [{"name": "CISO", "phone": "+1 555 0100"}]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert [c["name"] for c in changed.json()["escalation_contacts"]] == ["CISO"]
    assert len(changed.json()["members"]) == 2
    assert AuditEvent.objects.filter(action="team.updated", object_id=str(team["id"])).exists()
    assert api_as(responder).get(f"/api/v1/teams/{team['id']}/").status_code == 200
    assert (
        api_as(responder).post("/api/v1/teams/", body | {"name": "Other"}, format="json").status_code == 403
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role_covers": [{"role": "scribe", "primary": "OUTSIDER"}]}, "role_covers"),
        ({"role_covers": [{"role": "technical-lead", "primary": "RESPONDER"}]}, "role_covers"),
        ({"role_covers": [{"role": "scribe", "primary": "RESPONDER", "deputy": "RESPONDER"}]}, "role_covers"),
        ({"team_type": "nonsense"}, "team_type"),
        ({"phone": "call me"}, "phone"),
        ({"name": "x\x00y"}, "name"),
        ({"members": [{"user": 10**30}]}, "members"),
        ({"escalation_contacts": [{"name": "Nobody"}]}, "escalation_contacts"),
    ],
)
def test_a_roster_that_does_not_hold_together_is_refused(
    api_as, admin_user, responder, outsider, change, field
):
    replacements = {"OUTSIDER": outsider.pk, "RESPONDER": responder.pk}

    def resolve(value):
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return replacements.get(value, value) if isinstance(value, str) else value

    body = {
        "name": "Blue team",
        "team_type": "csirt",
        "members": [{"user": responder.pk, "roles": ["scribe"]}],
        **resolve(change),
    }
    response = api_as(admin_user).post("/api/v1/teams/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Team.objects.filter(name="Blue team").exists()


def test_a_team_in_use_cannot_be_deleted(api_as, admin_user, responder, sev2, outage, csirt):
    services.incident_create(actor=responder, title="x", severity=sev2, category=outage, team=csirt)
    assert api_as(admin_user).delete(f"/api/v1/teams/{csirt.pk}/").status_code == 409


def test_an_unused_team_is_deleted_with_its_roster(api_as, admin_user, csirt):
    assert api_as(admin_user).delete(f"/api/v1/teams/{csirt.pk}/").status_code == 204
    assert not Team.objects.exists()
    assert AuditEvent.objects.filter(action="team.deleted").exists()
