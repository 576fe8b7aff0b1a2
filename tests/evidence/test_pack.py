"""The evidence pack: what goes in, who sees what, and a verifier that catches every kind of tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal import audit_key
from portal.models import AuditEvent
from tests.evidence.conftest import make_pack, members, rewrite, run_command, run_verifier


def test_a_pack_verifies_offline_with_its_own_verifier(world, tmp_path):
    pack = make_pack(tmp_path / "pack.zip")
    result = run_verifier(pack)
    assert result.returncode == 0, result.stderr
    assert "files match the signed manifest" in result.stdout
    assert "3 incidents" in result.stdout
    files = members(pack)
    breach = f"incidents/{world.breach.reference}"
    # The report PDF exactly as it was sent, byte for byte, and its JSON.
    with world.report.pdf.open("rb") as stored:
        assert files[f"{breach}/reports/{world.report.pk}-GDPR_supervisory-authority.pdf"] == stored.read()
    report_json = json.loads(files[f"{breach}/reports/{world.report.pk}-GDPR_supervisory-authority.json"])
    assert report_json["pdf_sha256"] == world.report.pdf_sha256
    assert report_json["submission_reference"] == "DPA-1"
    evidence = json.loads(files[f"{breach}/evidence.json"])
    assert evidence[0]["sha256_recorded"] == world.evidence.sha256
    assessment = json.loads(files[f"{breach}/assessment.json"])
    assert assessment["applicability"]
    assert {"regime", "applies", "reasons"} <= assessment["applicability"][0].keys()
    assert any(name.startswith("postmortems/") and name.endswith("revision-1.md") for name in files)
    assert any(name.startswith("postmortems/") and name.endswith("revision-1.pdf") for name in files)
    controls = json.loads(files["controls.json"])
    names = {c["control"] for c in controls}
    assert {"A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28", "A.8.15", "A.8.16"} <= names
    assert {"CC7.3", "CC7.4", "CC7.5", "Art. 21(2)(b)", "Art. 23", "GDPR"} <= names
    assert all(c["look_for"] for c in controls)
    manifest = json.loads(files["manifest.json"])
    listed = {entry["path"] for entry in manifest["files"]}
    assert listed == set(files) - {"manifest.json", "manifest.sig"}
    assert manifest["period"] == {"from": "2000-01-01", "to": "2099-12-31"}
    assert manifest["portal_version"]
    assert world.breach.reference in files["index.html"].decode()


def test_generating_a_pack_is_audited(world, tmp_path):
    make_pack(tmp_path / "pack.zip", "--user", "auditor")
    event = AuditEvent.objects.get(action="evidence_pack.generated")
    assert event.changes["for_user"] == "auditor"
    assert event.changes["sha256"]


def test_a_tampered_pack_fails_and_names_what(world, tmp_path):
    pack = make_pack(tmp_path / "pack.zip")
    target = f"incidents/{world.breach.reference}/timeline.json"

    def flip_one_byte(name: str, data: bytes) -> bytes | None:
        return data[:10] + bytes([data[10] ^ 0x01]) + data[11:] if name == target else data

    def remove_one_file(name: str, data: bytes) -> bytes | None:
        return None if name == target else data

    def edit_the_manifest(name: str, data: bytes) -> bytes | None:
        return (
            data.replace(b'"incident_count": 3', b'"incident_count": 2') if name == "manifest.json" else data
        )

    for change, named in [
        (flip_one_byte, target),
        (remove_one_file, target),
        (edit_the_manifest, "manifest.json"),
    ]:
        result = run_verifier(rewrite(pack, tmp_path / f"{change.__name__}.zip", change))
        assert result.returncode == 1, change.__name__
        assert named in result.stderr, (change.__name__, result.stderr)


def test_an_edited_audit_event_fails_even_with_a_refreshed_manifest_signed_by_another_key(world, tmp_path):
    pack = make_pack(tmp_path / "pack.zip")
    files = members(pack)
    lines = files["audit/events.jsonl"].decode().splitlines()
    first = json.loads(lines[0])
    first["object_repr"] = "nothing to see"
    lines[0] = json.dumps(first, sort_keys=True)
    edited = ("\n".join(lines) + "\n").encode()
    # Refresh the manifest's hash of the segment but keep the portal's signature: the signature breaks.
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        if entry["path"] == "audit/events.jsonl":
            entry["sha256"], entry["size"] = hashlib.sha256(edited).hexdigest(), len(edited)
    raw = json.dumps(manifest).encode()
    copy = rewrite(
        pack,
        tmp_path / "edited.zip",
        lambda name, data: (
            edited if name == "audit/events.jsonl" else raw if name == "manifest.json" else data
        ),
    )
    assert "manifest.json" in run_verifier(copy).stderr
    # A forger who re-signs everything with their own key is refused by the organisation's key.
    forger = Ed25519PrivateKey.generate()
    public_pem = forger.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    manifest["files"] = [
        {**e, "sha256": hashlib.sha256(public_pem).hexdigest(), "size": len(public_pem)}
        if e["path"] == "audit/public_key.pem"
        else e
        for e in manifest["files"]
    ]
    raw = json.dumps(manifest).encode()
    seal = json.dumps(
        {
            "key_id": audit_key.key_id(forger.public_key()),
            "signature": base64.b64encode(forger.sign(raw)).decode(),
        }
    ).encode()
    replaced = {
        "audit/events.jsonl": edited,
        "manifest.json": raw,
        "manifest.sig": seal,
        "audit/public_key.pem": public_pem,
    }
    forged = rewrite(pack, tmp_path / "forged.zip", lambda name, data: replaced.get(name, data))
    # Without a pinned key the edited event still fails its own hash...
    assert "audit/events.jsonl: event #1: content does not match its hash" in run_verifier(forged).stderr
    # ...and with the organisation's key the manifest itself is refused.
    own_key = tmp_path / "org.pem"
    own_key.write_text(audit_key.public_key_pem())
    pinned = run_verifier(forged, "--public-key", str(own_key))
    assert pinned.returncode == 1
    assert "manifest.sig" in pinned.stderr
    assert run_verifier(pack, "--public-key", str(own_key)).returncode == 0


def test_evidence_changed_in_storage_fails_against_the_recorded_hash(world, tmp_path):
    with world.evidence.file.open("r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0xFF]))
    result = run_verifier(make_pack(tmp_path / "pack.zip"))
    assert result.returncode == 1
    assert f"evidence/{world.evidence.pk}-bucket-policy.png" in result.stderr
    assert "recorded" in result.stderr


def test_a_restricted_incident_is_never_in_the_pack_of_someone_who_may_not_see_it(world, tmp_path):
    pack = make_pack(tmp_path / "auditor.zip", "--user", "auditor")
    assert run_verifier(pack).returncode == 0
    files = members(pack)
    secret = (world.restricted.reference.encode(), world.restricted.title.encode(), b"HR case 4411")
    for name, data in files.items():
        assert world.restricted.reference not in name
        for text in secret:
            assert text not in data, f"{text!r} leaks in {name}"
    assert f"incidents/{world.breach.reference}/incident.json" in files
    # Its audit events keep their place in the chain, without content.
    events = [json.loads(line) for line in files["audit/events.jsonl"].decode().splitlines()]
    assert any(event.get("redacted") for event in events)
    # A compliance officer may see it, so their pack has it.
    officer = members(make_pack(tmp_path / "officer.zip", "--user", "compliance"))
    assert f"incidents/{world.restricted.reference}/incident.json" in officer


def test_naming_a_restricted_incident_one_may_not_see_is_an_unknown_reference(world, tmp_path, capsys):
    output = tmp_path / "pack.zip"
    code, _, err = run_command(
        "--from", "2026-01-01", "--to", "2026-12-31", "--incident", world.restricted.reference,
        "--user", "auditor", "--output", str(output),
    )  # fmt: skip
    assert code == 2
    assert f"unknown incident reference: {world.restricted.reference}" in err
    assert not output.exists()


def test_a_period_without_incidents_gives_a_small_valid_pack_that_says_so(db, tmp_path):
    code, _out, err = run_command(
        "--from", "1999-01-01", "--to", "1999-12-31", "--output", str(tmp_path / "empty.zip")
    )
    assert code == 0, err
    pack = tmp_path / "empty.zip"
    assert pack.stat().st_size < 100_000
    assert run_verifier(pack).returncode == 0
    files = members(pack)
    assert json.loads(files["manifest.json"])["note"] == "No incidents in this period."
    assert b"No incidents in this period." in files["index.html"]
    assert not any(name.startswith("incidents/") for name in files)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "is not a date"),
        (["--from", "yesterday", "--to", "2026-12-31"], "is not a date"),
        (["--from", "2026-06-01", "--to", "2026-05-31"], "is before"),
        (
            ["--from", "2026-01-01", "--to", "2026-12-31", "--incident", "INC-1999-9999"],
            "unknown incident reference",
        ),
        (["--from", "2026-01-01", "--to", "2026-12-31", "--entity", "999999"], "unknown legal entity"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(db, tmp_path, args, message):
    output = tmp_path / "pack.zip"
    code, _out, err = run_command(*args, "--output", str(output))
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action="evidence_pack.generated").exists()


@pytest.mark.parametrize("where", ["missing-folder/pack.zip", "."])
def test_an_output_that_cannot_be_written_is_bad_input(db, tmp_path, where):
    code, _, err = run_command(
        "--from", "2026-01-01", "--to", "2026-01-31", "--output", str(tmp_path / where)
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_pack_is_a_zip_streamed_with_deflate(world, tmp_path):
    pack = make_pack(tmp_path / "pack.zip")
    with zipfile.ZipFile(pack) as archive:
        assert archive.testzip() is None
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
