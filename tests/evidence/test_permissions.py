"""The access rules of evidence/permissions.py over the demo roles, and that the audit page's panel,
the request form and the download answer exactly what the predicates say."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from evidence import permissions as rules
from evidence.choices import PackStatus
from evidence.generation import pack_dir
from evidence.models import EvidencePack
from portal import roles
from tests.factories import UserFactory

URL = "/audit/evidence-packs/"
PEOPLE = ["administrator", "compliance_officer", "responder", "author", "auditor", "nobody"]


@pytest.fixture
def administrator(db):
    """The Administrator role alone: ``admin_user`` is a superuser, for whom every has_perm is True."""
    return UserFactory(username="administrator", role=roles.ADMINISTRATOR)


def ready_pack(user) -> EvidencePack:
    """A finished pack of ``user``'s, with its file in place (generating one is tests/evidence/test_web's job)."""
    pack = EvidencePack.objects.create(
        requested_by=user,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 6, 30),
        status=PackStatus.READY,
        file_name=f"pack-{user.pk}.zip",
        size=4,
        sha256="0" * 64,
        incident_count=0,
    )
    pack_dir().mkdir(parents=True, exist_ok=True)
    (pack_dir() / pack.file_name).write_bytes(b"PK\x05\x06")
    return pack


def served(client, url: str) -> int:
    """The status of a GET, with a streamed file closed again."""
    response = client.get(url)
    response.close()
    return response.status_code


# --- the predicates over the demo roles -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "generates", "downloads", "packs_only"),
    [
        ("administrator", True, True, False),
        ("compliance_officer", True, True, True),  # no audit trail: the menu names the packs
        ("auditor", True, True, False),
        ("responder", False, False, False),
        ("author", False, False, False),
        ("nobody", False, False, False),
    ],
)
def test_who_generates_and_downloads_evidence_packs(request, person, generates, downloads, packs_only):
    user = request.getfixturevalue(person)
    assert rules.can_generate_evidence_pack(user) is generates
    assert rules.can_download_own_packs(user) is downloads
    assert rules.sees_packs_only(user) is packs_only


def test_only_the_requester_downloads_a_pack(administrator, compliance_officer, auditor):
    pack = ready_pack(auditor)
    assert rules.can_download_evidence_pack(auditor, pack)
    assert not rules.can_download_evidence_pack(compliance_officer, pack)
    assert not rules.can_download_evidence_pack(administrator, pack)


def test_anonymous_visitors_may_do_nothing(auditor):
    anonymous = AnonymousUser()
    assert not rules.can_generate_evidence_pack(anonymous)
    assert not rules.can_download_evidence_pack(anonymous, ready_pack(auditor))


# --- the pages answer what the predicates say -----------------------------------------------------------


@pytest.mark.parametrize("person", PEOPLE)
def test_the_form_shows_exactly_when_a_request_is_accepted(request, client, person):
    user = request.getfixturevalue(person)
    allowed = rules.can_generate_evidence_pack(user)
    client.force_login(user)
    audit = client.get("/audit/")
    assert ("Generate evidence pack" in audit.content.decode()) is allowed
    polled = client.get(URL)
    assert polled.status_code == (200 if allowed else 403)
    # An invalid request: accepted ones are queued (test_web); here only the door is tested.
    posted = client.post(URL, {"period_from": "someday", "period_to": "2026-05-01"})
    assert posted.status_code == (422 if allowed else 403)


@pytest.mark.parametrize("person", PEOPLE)
def test_the_download_link_shows_exactly_when_the_download_is_served(request, client, person):
    user = request.getfixturevalue(person)
    pack = ready_pack(user)
    allowed = rules.can_download_evidence_pack(user, pack)
    client.force_login(user)
    panel = client.get(URL)
    link = f"{URL}{pack.pk}/download/"
    assert (link in panel.content.decode()) is allowed
    assert served(client, link) == (200 if allowed else 403)


def test_someone_elses_pack_is_not_found(client, auditor, compliance_officer):
    pack = ready_pack(compliance_officer)
    assert not rules.can_download_evidence_pack(auditor, pack)
    client.force_login(auditor)
    assert served(client, f"{URL}{pack.pk}/download/") == 404


def test_generating_without_downloading_lists_packs_without_a_link(client, db):
    """A role reshaped to generate packs but not download them: the panel offers no link the
    download would refuse (the template asks the same predicate as the download view)."""
    user = UserFactory(username="generator")
    user.user_permissions.add(Permission.objects.get(codename="add_evidencepack"))
    pack = ready_pack(user)
    assert rules.can_generate_evidence_pack(user)
    assert not rules.can_download_evidence_pack(user, pack)
    client.force_login(user)
    panel = client.get(URL).content.decode()
    assert "Your evidence packs" in panel
    assert f"{URL}{pack.pk}/download/" not in panel
    assert served(client, f"{URL}{pack.pk}/download/") == 403
