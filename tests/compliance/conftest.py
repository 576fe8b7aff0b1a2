from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance import services
from compliance.models import CompetentAuthority, LegalEntity, Obligation
from incidents import services as incident_services
from incidents.models import Category, Severity


@pytest.fixture
def bank(db) -> LegalEntity:
    entity = LegalEntity.objects.create(
        name="Example Bank AG",
        lei="529900T8BM49AURSDO55",
        country="DE",
        timezone="Europe/Berlin",
        # nis2-dora-parallel: the tests expect the NIS2 reports beside DORA (DORA Art. 19(1)).
        designations=["gdpr-controller", "nis2-essential", "dora-credit-institution", "nis2-dora-parallel"],
        dpo_contact="dpo@bank.example",
    )
    CompetentAuthority.objects.create(
        entity=entity,
        regime="GDPR",
        name="BfDI / Berlin DPA",
        contact="+49 30 1234",
        portal_url="https://dpa.example/report",
    )
    return entity


def make_breach(responder):
    """A data breach detected 30 hours ago, aware 2 hours later."""
    detected = timezone.now().replace(microsecond=0) - timedelta(hours=30)
    return incident_services.incident_create(
        actor=responder,
        title="Customer database exposed",
        summary="A backup bucket was public for 3 days.",
        impact="1,200 customers' contact details exposed.",
        severity=Severity.objects.get(name="SEV1"),
        category=Category.objects.get(slug="data-breach"),
        detected_at=detected,
        occurred_at=detected - timedelta(days=3),
        aware_at=detected + timedelta(hours=2),
    )


def assess(breach, bank, officer):
    return services.assessment_save(
        incident=breach,
        actor=officer,
        data={
            "entity": bank,
            "personal_data_involved": True,
            "risk": "high",
            "risk_rationale": "Phishing risk.",
            "data_subjects": 1200,
            "records": 1200,
            "data_categories": "Names, emails, phone numbers",
        },
    )


def _make_assessed(responder, bank, officer):
    """The GDPR supervisory-authority obligation of a freshly assessed breach."""
    breach = make_breach(responder)
    assess(breach, bank, officer)
    return Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")


@pytest.fixture
def breach(responder, bank):
    return make_breach(responder)


@pytest.fixture
def assessed(breach, bank, compliance_officer):
    return assess(breach, bank, compliance_officer)
