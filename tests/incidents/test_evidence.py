from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Evidence
from portal.models import AuditEvent

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _upload(client, incident, name, content, **extra):
    return client.post(
        f"/api/v1/incidents/{incident.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream"), **extra},
        format="multipart",
    )


@pytest.mark.parametrize(
    ("name", "content", "expected_type"),
    [
        ("firewall.log", b"2026-11-27 10:00 DROP 203.0.113.9\n", "text/plain"),
        ("screen.png", PNG, "image/png"),
        ("report.pdf", PDF, "application/pdf"),
    ],
)
def test_upload_detects_the_type_from_content_and_hashes_it(
    api_as, responder, incident, name, content, expected_type, settings
):
    response = _upload(api_as(responder), incident, name, content, description="From the SIEM")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["content_type"] == expected_type
    evidence = Evidence.objects.get(pk=body["id"])
    assert name not in evidence.file.name
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    assert incident.timeline.filter(kind="evidence").exists()
    assert AuditEvent.objects.filter(action="evidence.added", object_id=str(evidence.pk)).exists()


def test_the_clients_content_type_is_not_trusted(api_as, responder, incident):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
    response = api_as(responder).post(
        f"/api/v1/incidents/{incident.pk}/evidence/",
        {"file": SimpleUploadedFile("invoice.pdf", exe, content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not accepted" in response.json()["file"][0]


def test_files_over_the_cap_are_refused(api_as, responder, incident, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    response = _upload(api_as(responder), incident, "big.log", b"a" * 2048)
    assert response.status_code == 400
    assert "larger" in response.json()["file"][0]
    assert not Evidence.objects.exists()


def test_empty_and_missing_files_are_refused(api_as, responder, incident):
    client = api_as(responder)
    assert _upload(client, incident, "empty.log", b"").status_code == 400
    assert (
        client.post(f"/api/v1/incidents/{incident.pk}/evidence/", {}, format="multipart").status_code == 400
    )


def test_download_is_an_attachment_with_nosniff(api_as, responder, incident, auditor):
    content = b"<html><script>alert(1)</script></html>"
    evidence_id = _upload(api_as(responder), incident, "page.html", content).json()["id"]
    response = api_as(auditor).get(f"/api/v1/incidents/{incident.pk}/evidence/{evidence_id}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment;")
    # Text that calls itself a page is saved as text: no browser or desktop renders it.
    assert 'filename="page.html.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/plain")
    assert AuditEvent.objects.filter(action="evidence.downloaded", actor=auditor).exists()


def test_evidence_of_another_incident_is_404(api_as, responder, incident, restricted_incident):
    evidence_id = _upload(api_as(responder), restricted_incident, "a.log", b"x\n").json()["id"]
    response = api_as(responder).get(f"/api/v1/incidents/{incident.pk}/evidence/{evidence_id}/download/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "saved_as"),
    [
        ("page.html", "page.html.txt"),
        ("logo.SVG", "logo.SVG.txt"),
        ("tool.js", "tool.js.txt"),
        ("doc.xhtml", "doc.xhtml.txt"),
        ("feed.xml", "feed.xml.txt"),
        ("notes.txt", "notes.txt"),
        ("firewall.log", "firewall.log"),
    ],
)
def test_text_that_claims_an_active_type_is_served_under_a_safe_name_by_api_and_web(
    api_as, client, responder, incident, name, saved_as
):
    content = b"<svg onload=alert(1)><script>alert(document.cookie)</script></svg>"
    evidence_id = _upload(api_as(responder), incident, name, content).json()["id"]
    evidence = Evidence.objects.get(pk=evidence_id)
    assert evidence.content_type == "text/plain"
    assert "." not in evidence.file.name.rsplit("/", 1)[-1]  # the stored name never has the client's suffix
    api = api_as(responder).get(f"/api/v1/incidents/{incident.pk}/evidence/{evidence_id}/download/")
    client.force_login(responder)
    web = client.get(f"/incidents/{incident.pk}/evidence/{evidence_id}/")
    for response in (api, web):
        assert response.status_code == 200
        assert f'filename="{saved_as}"' in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert not response["Content-Type"].startswith(("text/html", "image/svg", "application/xhtml"))
        assert b"".join(response.streaming_content) == content
        response.close()


def test_a_png_keeps_its_name(api_as, responder, incident):
    evidence_id = _upload(api_as(responder), incident, "screen.png", PNG).json()["id"]
    assert Evidence.objects.get(pk=evidence_id).download_name() == "screen.png"
