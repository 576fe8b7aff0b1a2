from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from compliance.models import Assessment, LegalEntity, Obligation
from incidents import services as incident_services
from incidents.models import Category, Severity

ASSESSMENTS = "/api/v1/compliance/assessments/"


def test_an_officer_assesses_an_incident_and_obligations_appear(api_as, compliance_officer, breach, bank):
    client = api_as(compliance_officer)
    response = client.post(
        ASSESSMENTS,
        {
            "incident": breach.pk,
            "entity": bank.pk,
            "personal_data_involved": True,
            "risk": "high",
            "risk_rationale": "Contact data of 1,840 customers; phishing risk.",
            "data_subjects": 1840,
            "subjects_by_jurisdiction": {"DE": 1500, "AT": 340},
            "decisions": [
                {
                    "kind": "significant",
                    "value": True,
                    "rationale": "Cross-border customer impact.",
                    "decided_at": (breach.aware_at + timedelta(hours=1)).isoformat(),
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decisions"]["significant"]["value"] is True
    assert body["facts"]["significant"] is True
    codes = set(Obligation.objects.filter(incident=breach).values_list("code", flat=True))
    assert {"GDPR/supervisory-authority", "NIS2/early-warning", "NIS2/notification"} <= codes
    assert (
        client.post(ASSESSMENTS, {"incident": breach.pk, "entity": bank.pk}, format="json").status_code == 400
    )


def test_dora_classification_suggestion_follows_the_criteria(api_as, compliance_officer, assessed):
    client = api_as(compliance_officer)
    url = f"{ASSESSMENTS}{assessed.pk}/"
    one = client.patch(url, {"dora_criteria": ["critical_services", "clients"]}, format="json").json()
    assert one["dora_major_suggested"] is False
    two = client.patch(
        url, {"dora_criteria": ["critical_services", "clients", "reputation"]}, format="json"
    ).json()
    assert two["dora_major_suggested"] is True
    malicious = client.patch(url, {"dora_criteria": ["critical_services", "malicious_access"]}, format="json")
    assert malicious.json()["dora_major_suggested"] is True


def test_decision_history_is_kept(api_as, compliance_officer, assessed):
    client = api_as(compliance_officer)
    url = f"{ASSESSMENTS}{assessed.pk}/"
    client.patch(
        url, {"decisions": [{"kind": "major", "value": True, "rationale": "Criteria met."}]}, format="json"
    )
    body = client.patch(
        url, {"decisions": [{"kind": "major", "value": False, "rationale": "Reclassified."}]}, format="json"
    ).json()
    assert body["decisions"]["major"]["value"] is False
    assert [d["value"] for d in body["decision_history"] if d["kind"] == "major"] == [False, True] or sorted(
        d["value"] for d in body["decision_history"] if d["kind"] == "major"
    ) == [False, True]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"risk": "catastrophic"}, "risk"),
        ({"data_subjects": -1}, "data_subjects"),
        ({"data_subjects": 10**30}, "data_subjects"),
        ({"subjects_by_jurisdiction": {"XX-YYYY": 4}}, "subjects_by_jurisdiction"),
        ({"dora_criteria": ["vibes"]}, "dora_criteria"),
        ({"hipaa_four_factor": {"nature_and_extent": 3}}, "hipaa_four_factor"),
        (
            {
                "decisions": [
                    {"kind": "major", "value": True, "rationale": "x", "decided_at": "2026-01-01T10:00:00"}
                ]
            },
            "decisions",
        ),
        ({"decisions": [{"kind": "major", "value": True, "rationale": " "}]}, "rationale"),
    ],
)
def test_bad_assessment_input_is_a_400(api_as, compliance_officer, assessed, body, field):
    response = api_as(compliance_officer).patch(f"{ASSESSMENTS}{assessed.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json())


def test_responders_cannot_assess(api_as, responder, breach, bank):
    response = api_as(responder).post(ASSESSMENTS, {"incident": breach.pk, "entity": bank.pk}, format="json")
    assert response.status_code == 403


def test_stale_if_match_on_an_assessment_is_412(api_as, compliance_officer, assessed):
    client = api_as(compliance_officer)
    url = f"{ASSESSMENTS}{assessed.pk}/"
    client.patch(url, {"records": 5}, format="json", HTTP_IF_MATCH=f'"{assessed.version}"')
    stale = client.patch(url, {"records": 6}, format="json", HTTP_IF_MATCH=f'"{assessed.version}"')
    assert stale.status_code == 412
    assert Assessment.objects.get(pk=assessed.pk).records == 5


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"lei": "529900T8BM49AURSDO56"}, "lei"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"designations": ["gdpr-controller", "made-up"]}, "designations"),
        ({"country": "Germany"}, "country"),
    ],
)
def test_legal_entities_are_validated(db, values, field):
    entity = LegalEntity(**{"name": "X", "country": "DE", "timezone": "Europe/Berlin", **values})
    with pytest.raises(ValidationError) as refused:
        entity.full_clean()
    assert field in refused.value.message_dict


def test_entities_api_is_admin_only_for_writes(api_as, admin_user, compliance_officer):
    body = {
        "name": "Acme SAS",
        "country": "FR",
        "timezone": "Europe/Paris",
        "designations": ["gdpr-controller"],
    }
    assert (
        api_as(compliance_officer).post("/api/v1/compliance/entities/", body, format="json").status_code
        == 403
    )
    created = api_as(admin_user).post("/api/v1/compliance/entities/", body, format="json")
    assert created.status_code == 201, created.content
    bad = api_as(admin_user).post(
        "/api/v1/compliance/entities/", {**body, "name": "B", "lei": "123"}, format="json"
    )
    assert bad.status_code == 400
    assert "lei" in bad.json()


def test_the_assessment_list_query_count_does_not_grow(api_as, compliance_officer, responder, bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from compliance import services

    for n in range(12):
        incident = incident_services.incident_create(
            actor=responder,
            title=f"Breach {n}",
            severity=Severity.objects.get(name="SEV2"),
            category=Category.objects.get(slug="data-breach"),
        )
        services.assessment_save(
            incident=incident,
            actor=compliance_officer,
            data={"entity": bank, "personal_data_involved": True, "risk": "high"},
        )
    client = api_as(compliance_officer)

    def count(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{ASSESSMENTS}?page_size={size}").status_code == 200
        return len(captured.captured_queries)

    count(2)
    assert count(2) == count(12)
