"""The evidence-pack form on the audit page: errors by the fields, a background task, a private download."""

from __future__ import annotations

import io
import zipfile

import pytest

from evidence.models import EvidencePack
from portal.models import AuditEvent

URL = "/audit/evidence-packs/"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_an_auditor_requests_a_pack_and_downloads_it_when_ready(
    world, client, auditor, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(auditor)
    page = client.get("/audit/").content.decode()
    assert "Generate evidence pack" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"period_from": "2000-01-01", "period_to": "2099-12-31"}, follow=True)
    assert "requested" in response.content.decode()
    pack = EvidencePack.objects.get()
    assert pack.status == "ready", pack.error
    assert pack.incident_count == 2  # the restricted incident is not the auditor's to see
    page = client.get("/audit/").content.decode()
    assert f"{URL}{pack.pk}/download/" in page
    download = client.get(f"{URL}{pack.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "verify.py" in archive.namelist()
    assert not any(world.restricted.reference in name for name in archive.namelist())
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"evidence_pack.requested", "evidence_pack.generated", "evidence_pack.downloaded"} <= actions


def test_only_the_requester_may_download_their_pack(world, client, auditor, compliance_officer, immediate_tasks,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(compliance_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"period_from": "2000-01-01", "period_to": "2099-12-31"})
    pack = EvidencePack.objects.get()
    assert pack.incident_count == 3  # compliance officers see restricted incidents
    client.force_login(auditor)
    assert client.get(f"{URL}{pack.pk}/download/").status_code == 404


def test_form_errors_show_next_to_the_fields_and_nothing_is_queued(world, client, auditor):
    client.force_login(auditor)
    response = client.post(
        URL,
        {"period_from": "2026-06-01", "period_to": "2026-05-01", "incidents": world.restricted.reference},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200  # htmx swaps the panel with its errors in place
    html = response.content.decode()
    assert "is before" in html
    assert f"unknown incident reference: {world.restricted.reference}" in html
    assert 'value="2026-06-01"' in html  # the user's input is kept
    bad_date = client.post(URL, {"period_from": "someday", "period_to": "2026-05-01"})
    assert bad_date.status_code == 422
    assert "Enter a valid date" in bad_date.content.decode()
    assert not EvidencePack.objects.exists()


def test_a_compliance_officer_reaches_the_form_but_not_the_trail(db, client, compliance_officer, responder):
    client.force_login(compliance_officer)
    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Generate evidence pack" in html
    assert "Newest checkpoint" not in html
    assert "Evidence packs" in html  # the menu entry
    client.force_login(responder)
    assert client.get("/audit/").status_code == 403
    assert client.post(URL, {"period_from": "2026-01-01", "period_to": "2026-01-31"}).status_code == 403
