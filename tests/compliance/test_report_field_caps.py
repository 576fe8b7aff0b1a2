"""Report fields are capped at save: only the obligation's fields and declared extras, a size per
field and in total, and a number of keys; a 400 naming the field, in the API and the web form."""

from __future__ import annotations

import pytest

from compliance.models import Obligation, RegulatorReport
from compliance.report_fields import MAX_FIELD_CHARS, MAX_FIELDS, MAX_TOTAL_CHARS

REPORTS = "/api/v1/compliance/reports/"


@pytest.fixture
def draft(assessed, breach, api_as, compliance_officer):
    obligation = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    response = api_as(compliance_officer).post(REPORTS, {"obligation": obligation.pk}, format="json")
    assert response.status_code == 201, response.content
    return RegulatorReport.objects.get(pk=response.json()["id"])


def _fill(client, report, fields):
    return client.patch(
        f"{REPORTS}{report.pk}/", {"fields": fields}, format="json", HTTP_IF_MATCH=f'"{report.version}"'
    )


def _unchanged(report) -> None:
    fresh = RegulatorReport.objects.get(pk=report.pk)
    assert (fresh.version, fresh.fields) == (report.version, report.fields)


def test_a_key_outside_the_regime_and_the_declared_extras_is_a_400_naming_it(api_as, compliance_officer, draft):
    response = _fill(api_as(compliance_officer), draft, {"favourite_colour": "blue"})
    assert response.status_code == 400
    assert "favourite_colour" in str(response.json()["fields"])
    _unchanged(draft)


def test_the_regimes_fields_and_declared_extras_are_accepted(api_as, compliance_officer, draft):
    key = draft.obligation.required_fields[0]
    response = _fill(api_as(compliance_officer), draft, {key: "Answer", "reasons_for_delay": "None"})
    assert response.status_code == 200, response.content
    assert RegulatorReport.objects.get(pk=draft.pk).fields[key] == "Answer"


def test_an_answer_over_the_per_field_cap_is_a_400_naming_it(api_as, compliance_officer, draft):
    key = draft.obligation.required_fields[0]
    response = _fill(api_as(compliance_officer), draft, {key: "x" * (MAX_FIELD_CHARS + 1)})
    assert response.status_code == 400
    assert key in str(response.json())
    _unchanged(draft)


def test_answers_over_the_total_cap_are_a_400_naming_a_field(api_as, compliance_officer, draft):
    keys = draft.obligation.required_fields
    per_field = MAX_TOTAL_CHARS // len(keys) + 1
    assert per_field <= MAX_FIELD_CHARS, "the regime needs enough fields for this test"
    response = _fill(api_as(compliance_officer), draft, dict.fromkeys(keys, "y" * per_field))
    assert response.status_code == 400
    body = str(response.json()["fields"])
    assert "all answers together" in body
    assert any(key in body for key in keys)
    _unchanged(draft)


def test_too_many_keys_are_a_400(api_as, compliance_officer, draft):
    fields = {f"k{n}": "v" for n in range(MAX_FIELDS + 1)}
    response = _fill(api_as(compliance_officer), draft, fields)
    assert response.status_code == 400
    assert "fields" in response.json()
    _unchanged(draft)


def test_the_web_form_refuses_answers_over_the_total_cap_and_keeps_them(client, compliance_officer, draft):
    keys = draft.obligation.required_fields
    per_field = MAX_TOTAL_CHARS // len(keys) + 1
    client.force_login(compliance_officer)
    response = client.post(
        f"/compliance/reports/{draft.pk}/",
        {"action": "save", "version": str(draft.version), **dict.fromkeys(keys, "z" * per_field)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "all answers together" in page
    assert "z" * per_field in page  # the user's text is still in the form
    _unchanged(draft)
