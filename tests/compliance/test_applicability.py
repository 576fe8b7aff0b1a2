"""Applicability of every regime, shown through the API, the assessment page and the incident
panel; designations edited as a checklist (issue 13)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from compliance import services
from compliance.applicability import applicability_for
from compliance.demo import seed_compliance
from compliance.models import Assessment, CustomRegime, LegalEntity, Obligation
from compliance.regimes import CATALOGUE, DESIGNATION_CATALOGUE
from tests.compliance.conftest import make_breach

ASSESSMENTS = "/api/v1/compliance/assessments/"
ENTITIES = "/api/v1/compliance/entities/"
CA = "CA-1798.82"
CA_CODES = ["CA-1798.82/residents", "CA-1798.82/attorney-general"]


@pytest.fixture
def eu_bank(db) -> LegalEntity:
    """A German bank under GDPR, NIS2 and DORA, not designated ca-business."""
    return LegalEntity.objects.create(
        name="Nordbank AG",
        country="DE",
        timezone="Europe/Berlin",
        designations=["gdpr-controller", "nis2-essential", "dora-credit-institution"],
    )


@pytest.fixture
def california_breach(responder, eu_bank, compliance_officer):
    """4,800 people affected, 800 of them California residents."""
    breach = make_breach(responder)
    services.assessment_save(
        incident=breach,
        actor=compliance_officer,
        data={
            "entity": eu_bank,
            "personal_data_involved": True,
            "risk": "high",
            "risk_rationale": "Contact and account data.",
            "data_subjects": 4800,
            "records": 4800,
            "subjects_by_jurisdiction": {"DE": 4000, "US-CA": 800},
        },
    )
    return breach


def by_regime(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["regime"]: item for item in items}


def applicability(client, breach) -> list[dict[str, Any]]:
    response = client.get(f"{ASSESSMENTS}{Assessment.objects.get(incident=breach).pk}/")
    assert response.status_code == 200, response.content
    return response.json()["applicability"]


def admin_entity_post(client, entity: LegalEntity, designations: list[str]):
    data: dict[str, Any] = {
        "name": entity.name,
        "lei": entity.lei,
        "country": entity.country,
        "subdivision": entity.subdivision,
        "timezone": entity.timezone,
        "designations": designations,
        "dpo_contact": entity.dpo_contact,
        "is_active": "on",
        "authorities-TOTAL_FORMS": "0",
        "authorities-INITIAL_FORMS": "0",
        "authorities-MIN_NUM_FORMS": "0",
        "authorities-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    return client.post(reverse("admin:compliance_legalentity_change", args=[entity.pk]), data)


class TestTheCaliforniaCase:
    def test_the_api_lists_every_regime_and_warns_about_california(
        self, api_as, compliance_officer, california_breach
    ):
        items = applicability(api_as(compliance_officer), california_breach)
        assert [item["regime"] for item in items].count(CA) == 1
        assert {item["regime"] for item in items} == {entry.code for entry in CATALOGUE}
        for item in items:
            assert set(item) >= {"regime", "applies", "reasons", "obligations", "warning"}
            assert item["reasons"]
        ca = by_regime(items)[CA]
        assert ca["applies"] is False
        assert ca["warning"] is True
        assert ca["obligations"] == []
        assert any("not designated ca-business" in reason for reason in ca["reasons"])
        assert any("800" in reason and "US-CA" in reason for reason in ca["reasons"])
        assert "Would apply if the entity were designated ca-business." in ca["reasons"]
        gdpr = by_regime(items)["GDPR"]
        assert gdpr["applies"] is True
        assert gdpr["obligations"] == ["GDPR/supervisory-authority", "GDPR/data-subjects"]
        # Applied regimes first, then the warnings, then the rest.
        flags = [(item["applies"], item["warning"]) for item in items]
        assert flags == sorted(flags, key=lambda flag: (not flag[0], not flag[1]))
        assert not Obligation.objects.filter(incident=california_breach, regime=CA).exists()

    def test_the_assessment_page_shows_the_reason_and_the_warning(
        self, client, compliance_officer, california_breach
    ):
        client.force_login(compliance_officer)
        page = client.get(reverse("compliance:assessment", args=[california_breach.pk])).content.decode()
        assert 'data-regime="CA-1798.82" data-applies="false" data-warning="true"' in page
        assert "not designated ca-business" in page
        assert "800 of the affected people are California residents (US-CA)" in page
        assert page.index('data-regime="GDPR"') < page.index('data-regime="CA-1798.82"')
        assert page.index('data-regime="CA-1798.82"') < page.index('data-regime="SEC-8K"')

    def test_the_incident_panel_shows_it_next_to_the_obligations(
        self, client, compliance_officer, california_breach
    ):
        client.force_login(compliance_officer)
        page = client.get(reverse("incidents:detail", args=[california_breach.pk])).content.decode()
        assert 'data-regime="CA-1798.82" data-applies="false" data-warning="true"' in page
        assert "Warning: check the designations" in page
        assert "Displaced by DORA" in page

    def test_adding_ca_business_in_the_admin_brings_the_obligations(
        self, client, api_as, admin_user, compliance_officer, california_breach, eu_bank
    ):
        client.force_login(admin_user)
        response = admin_entity_post(client, eu_bank, [*eu_bank.designations, "ca-business"])
        assert response.status_code == 302, response.content.decode()[:2000]
        eu_bank.refresh_from_db()
        assert "ca-business" in eu_bank.designations
        ca = by_regime(applicability(api_as(compliance_officer), california_breach))[CA]
        assert ca["applies"] is True
        assert ca["warning"] is False
        assert ca["obligations"] == CA_CODES
        client.force_login(compliance_officer)
        page = client.get(reverse("compliance:assessment", args=[california_breach.pk])).content.decode()
        assert 'data-regime="CA-1798.82" data-applies="true" data-warning="false"' in page


class TestLexSpecialisInThePortal:
    def test_nis2_is_shown_displaced_by_dora(self, api_as, compliance_officer, california_breach):
        nis2 = by_regime(applicability(api_as(compliance_officer), california_breach))["NIS2"]
        assert nis2["applies"] is False
        assert nis2["displaced_by"] == "DORA"
        assert nis2["reasons"][0].startswith("Displaced by DORA")
        assert any("nis2-dora-parallel" in reason for reason in nis2["reasons"])

    def test_a_significant_incident_gets_nis2_reports_only_with_parallel(
        self, compliance_officer, california_breach, eu_bank
    ):
        assessment = Assessment.objects.get(incident=california_breach)
        services.decision_record(
            assessment=assessment,
            actor=compliance_officer,
            kind="significant",
            value=True,
            decided_at=None,
            rationale="Customers in two Member States affected.",
        )
        codes = set(Obligation.objects.filter(incident=california_breach).values_list("code", flat=True))
        assert not any(code.startswith("NIS2/") for code in codes)
        eu_bank.designations = [*eu_bank.designations, "nis2-dora-parallel"]
        eu_bank.save()
        services.obligations_refresh(incident=california_breach, actor=compliance_officer, reason="test")
        codes = set(Obligation.objects.filter(incident=california_breach).values_list("code", flat=True))
        assert {"NIS2/early-warning", "NIS2/notification", "NIS2/final"} <= codes


class TestCustomRegimes:
    def test_active_custom_regimes_are_listed_and_inactive_ones_are_not(
        self, api_as, compliance_officer, california_breach, eu_bank
    ):
        visa = CustomRegime.objects.create(
            code="PCI-VISA", name="Visa", recipient="Visa", amount=3, unit="calendar_days", basis="Contract"
        )
        CustomRegime.objects.create(
            code="OLD-POLICY",
            name="Old policy",
            recipient="Board",
            amount=1,
            unit="hours",
            basis="Policy",
            is_active=False,
        )
        client = api_as(compliance_officer)
        items = by_regime(applicability(client, california_breach))
        assert "OLD-POLICY" not in items
        assert items["PCI-VISA"]["applies"] is False
        assert "Would apply if the entity listed custom regime PCI-VISA." in items["PCI-VISA"]["reasons"]
        eu_bank.custom_regimes.add(visa)
        items = by_regime(applicability(client, california_breach))
        assert items["PCI-VISA"]["applies"] is True
        assert items["PCI-VISA"]["obligations"] == ["PCI-VISA/notification"]


class TestDesignationChecklist:
    def test_the_admin_shows_a_checklist_with_descriptions(self, client, admin_user, eu_bank):
        client.force_login(admin_user)
        page = client.get(reverse("admin:compliance_legalentity_change", args=[eu_bank.pk])).content.decode()
        assert 'type="checkbox" name="designations" value="ca-business"' in page
        assert "California business: Conducts business in California" in page
        assert 'value="nis2-dora-parallel"' in page
        assert '<textarea name="designations"' not in page

    def test_an_unknown_code_is_refused_by_name_in_the_admin(self, client, admin_user, eu_bank):
        client.force_login(admin_user)
        response = admin_entity_post(client, eu_bank, ["gdpr-controller", "ca-busines"])
        assert response.status_code == 200
        assert "Unknown designation &quot;ca-busines&quot;." in response.content.decode()
        eu_bank.refresh_from_db()
        assert "ca-busines" not in eu_bank.designations

    def test_an_unknown_code_is_a_400_naming_the_field_in_the_api(self, api_as, admin_user, eu_bank):
        client = api_as(admin_user)
        response = client.patch(
            f"{ENTITIES}{eu_bank.pk}/", {"designations": ["gdpr-controller", "ca-busines"]}, format="json"
        )
        assert response.status_code == 400
        assert "designations" in response.json()
        assert "ca-busines" in str(response.json()["designations"])
        eu_bank.refresh_from_db()
        assert eu_bank.designations == ["gdpr-controller", "nis2-essential", "dora-credit-institution"]

    def test_the_api_accepts_known_codes(self, api_as, admin_user, eu_bank):
        client = api_as(admin_user)
        response = client.patch(
            f"{ENTITIES}{eu_bank.pk}/", {"designations": ["ca-business", "gdpr-controller"]}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["designations"] == ["ca-business", "gdpr-controller"]


def test_the_demo_bank_shows_nis2_displaced_by_dora_and_the_california_near_miss(
    responder, compliance_officer, admin_user
):
    breach = make_breach(responder)
    seed_compliance(stdout=io.StringIO())
    assessment = Assessment.objects.select_related("entity").get(incident=breach)
    assert assessment.entity.name == "Nordbank AG"
    assert "nis2-dora-parallel" not in assessment.entity.designations
    items = by_regime([dict(item) for item in applicability_for(assessment)])
    assert items["NIS2"]["displaced_by"] == "DORA"
    assert items["DORA"]["applies"] is True
    assert items[CA]["warning"] is True
    codes = set(Obligation.objects.filter(incident=breach).values_list("code", flat=True))
    assert "DORA/initial" in codes
    assert not any(code.startswith("NIS2/") for code in codes)


def web_assess(client, breach, entity: LegalEntity):
    return client.post(
        reverse("compliance:assessment", args=[breach.pk]),
        {
            "action": "assessment",
            "entity": entity.pk,
            "personal_data_involved": "on",
            "risk": "high",
            "risk_rationale": "Contact and account data.",
            "data_subjects": "4800",
            "records": "4800",
            "data_categories": "Names, IBANs",
            "subjects_by_jurisdiction": "DE 4000\nUS-CA 800",
            "data_subject_exemption": "",
        },
        follow=True,
    )


def test_through_the_web_form_the_reason_shows_then_another_entity_brings_the_obligations(
    client, responder, compliance_officer, eu_bank
):
    us_branch = LegalEntity.objects.create(
        name="Nordbank US Branch",
        country="US",
        subdivision="US-CA",
        timezone="America/Los_Angeles",
        designations=["gdpr-controller", "ca-business"],
    )
    breach = make_breach(responder)
    client.force_login(compliance_officer)
    page = web_assess(client, breach, eu_bank).content.decode()
    assert 'data-regime="CA-1798.82" data-applies="false" data-warning="true"' in page
    assert "Would apply if the entity were designated ca-business." in page
    assert not Obligation.objects.filter(incident=breach, regime=CA).exists()
    page = web_assess(client, breach, us_branch).content.decode()
    assert 'data-regime="CA-1798.82" data-applies="true" data-warning="false"' in page
    assert sorted(
        Obligation.objects.filter(incident=breach, regime=CA).values_list("code", flat=True)
    ) == sorted(CA_CODES)


def test_an_exercise_says_that_no_obligation_is_created(api_as, responder, compliance_officer, eu_bank):
    breach = make_breach(responder)
    type(breach).objects.filter(pk=breach.pk).update(is_exercise=True)
    breach.refresh_from_db()
    services.assessment_save(
        incident=breach,
        actor=compliance_officer,
        data={"entity": eu_bank, "personal_data_involved": True, "risk": "high", "data_subjects": 10},
    )
    gdpr = by_regime(applicability(api_as(compliance_officer), breach))["GDPR"]
    assert gdpr["applies"] is True
    assert gdpr["reasons"][0].startswith("Exercise: exercises never start regulatory clocks")
    assert not Obligation.objects.filter(incident=breach).exists()


def test_a_stored_code_that_left_the_catalogue_is_shown_and_refused_until_removed(
    client, admin_user, eu_bank
):
    LegalEntity.objects.filter(pk=eu_bank.pk).update(designations=["gdpr-controller", "pci-merchant"])
    eu_bank.refresh_from_db()
    client.force_login(admin_user)
    page = client.get(reverse("admin:compliance_legalentity_change", args=[eu_bank.pk])).content.decode()
    assert "pci-merchant - not a known designation" in page
    refused = admin_entity_post(client, eu_bank, ["gdpr-controller", "pci-merchant"])
    assert refused.status_code == 200
    assert "Unknown designation &quot;pci-merchant&quot;." in refused.content.decode()
    assert admin_entity_post(client, eu_bank, ["gdpr-controller"]).status_code == 302
    eu_bank.refresh_from_db()
    assert eu_bank.designations == ["gdpr-controller"]


def test_the_designation_catalogue_is_served_for_clients_that_build_the_checklist(
    api_as, compliance_officer, nobody
):
    response = api_as(compliance_officer).get("/api/v1/compliance/designations/")
    assert response.status_code == 200
    items = {item["code"]: item for item in response.json()}
    assert items["ca-business"]["regime"] == "CA-1798.82"
    assert items["nis2-dora-parallel"]["description"]
    assert set(items) == {info.code for info in DESIGNATION_CATALOGUE}
    assert api_as(nobody).get("/api/v1/compliance/designations/").status_code == 403
