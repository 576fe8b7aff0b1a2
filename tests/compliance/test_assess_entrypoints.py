"""The two doors into the regime engine: ``manage.py assess`` and the API."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from compliance.models import CustomRegime

ROOT = Path(__file__).resolve().parents[2]
GDPR_FACTS = {
    "entity": {
        "name": "Example Bank AG",
        "country": "DE",
        "timezone": "Europe/Berlin",
        "designations": ["gdpr-controller"],
    },
    "times": {"aware_at": "2026-03-27T16:30:00+01:00"},
    "personal_data": {"involved": True, "risk": "high", "subjects": 1200},
}


def _run(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "assess", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_the_command_prints_obligations_as_json(db, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(GDPR_FACTS))
    out = io.StringIO()
    call_command("assess", str(facts), stdout=out)
    obligations = json.loads(out.getvalue())["obligations"]
    authority = next(o for o in obligations if o["code"] == "GDPR/supervisory-authority")
    assert authority["due_at"] == "2026-03-30T17:30:00+02:00"
    assert authority["basis"] == "Regulation (EU) 2016/679 Art. 33(1)"
    subjects = next(o for o in obligations if o["code"] == "GDPR/data-subjects")
    assert subjects["due_at"] is None
    assert subjects["urgent"] is True


def test_the_command_reads_stdin_and_explains(db):
    result = _run(["-", "--explain"], json.dumps(GDPR_FACTS))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    regimes = {line["regime"]: line for line in document["explanation"]}
    assert regimes["GDPR"]["applies"] is True
    assert regimes["HIPAA"]["applies"] is False
    assert regimes["CIRCIA"]["applies"] is False


@pytest.mark.parametrize(
    ("stdin", "needle"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({**GDPR_FACTS, "surprise": 1}), "surprise"),
        (json.dumps({**GDPR_FACTS, "times": {"aware_at": "2026-03-27T16:30:00"}}), "times.aware_at"),
        (json.dumps({**GDPR_FACTS, "times": {"aware_at": "yesterday"}}), "times.aware_at"),
        (
            json.dumps({**GDPR_FACTS, "entity": {**GDPR_FACTS["entity"], "timezone": "Mars/Olympus"}}),
            "timezone",
        ),
        (
            json.dumps({**GDPR_FACTS, "entity": {**GDPR_FACTS["entity"], "designations": ["nope"]}}),
            "designations",
        ),
        (json.dumps({**GDPR_FACTS, "personal_data": {"subjects": -4}}), "personal_data.subjects"),
        (json.dumps([1, 2]), ""),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr_and_nothing_on_stdout(stdin, needle):
    result = _run(["-"], stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_a_missing_file_exits_2(db):
    with pytest.raises(CommandError) as refused:
        call_command("assess", "/nonexistent/facts.json")
    assert refused.value.returncode == 2


def test_the_api_answers_like_the_command(api_as, compliance_officer):
    response = api_as(compliance_officer).post("/api/v1/compliance/assess/", GDPR_FACTS, format="json")
    assert response.status_code == 200
    codes = [o["code"] for o in response.json()["obligations"]]
    assert codes == ["GDPR/supervisory-authority", "GDPR/data-subjects"]
    assert "explanation" not in response.json()


def test_the_api_explains_on_request(api_as, responder):
    response = api_as(responder).post(
        "/api/v1/compliance/assess/", {**GDPR_FACTS, "explain": True}, format="json"
    )
    assert response.status_code == 200
    assert any(line["regime"] == "GDPR" and line["applies"] for line in response.json()["explanation"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GDPR_FACTS, "times": {"aware_at": "2026-03-27T16:30:00"}}, "times.aware_at"),
        ({**GDPR_FACTS, "unknown": True}, "unknown"),
        ({"times": GDPR_FACTS["times"]}, "entity"),
        ({**GDPR_FACTS, "explain": "yes"}, "explain"),
    ],
)
def test_the_api_names_the_bad_field(api_as, compliance_officer, body, field):
    response = api_as(compliance_officer).post("/api/v1/compliance/assess/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_the_api_refuses_users_without_compliance_read_access(api_as, author, nobody):
    for user in (author, nobody):
        assert api_as(user).post("/api/v1/compliance/assess/", GDPR_FACTS, format="json").status_code == 403


def test_custom_regimes_are_assessed_when_the_entity_lists_them(api_as, compliance_officer):
    regime = CustomRegime(
        code="VISA-CARD",
        name="Visa account data compromise",
        recipient="Visa",
        clock_start="aware_at",
        amount=3,
        unit="calendar_days",
        basis="Visa rules §5",
        required_fields=["card_brand"],
    )
    regime.full_clean()
    regime.save()
    facts = {**GDPR_FACTS, "entity": {**GDPR_FACTS["entity"], "custom_regimes": ["VISA-CARD"]}}
    response = api_as(compliance_officer).post("/api/v1/compliance/assess/", facts, format="json")
    assert response.status_code == 200, response.content
    visa = next(o for o in response.json()["obligations"] if o["regime"] == "VISA-CARD")
    assert visa["due_at"] == "2026-03-30T23:59:59+02:00"
    assert visa["required_fields"] == ["card_brand"]
    regime.is_active = False
    regime.save()
    inactive = api_as(compliance_officer).post("/api/v1/compliance/assess/", facts, format="json")
    assert inactive.status_code == 200
    assert all(o["regime"] != "VISA-CARD" for o in inactive.json()["obligations"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": "business_days", "holiday_country": ""}, "holiday_country"),
        ({"code": "gdpr"}, "code"),
        ({"code": "GDPR"}, "code"),
        ({"required_fields": ["not a key"]}, "required_fields"),
    ],
)
def test_custom_regimes_are_validated_on_save(db, changes, field):
    from django.core.exceptions import ValidationError

    values = {
        "code": "ACME-SLA",
        "name": "Customer contract",
        "recipient": "Customer",
        "clock_start": "aware_at",
        "amount": 24,
        "unit": "hours",
        "basis": "MSA §12.3",
        **changes,
    }
    with pytest.raises(ValidationError) as refused:
        CustomRegime(**values).full_clean()
    assert field in refused.value.message_dict
