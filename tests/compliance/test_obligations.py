from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance import services
from compliance.choices import ObligationStatus
from compliance.facts import facts_for
from compliance.models import Obligation
from incidents import services as incident_services
from incidents.choices import TimelineKind
from portal.errors import TransitionNotAllowed


def test_facts_come_from_the_incident_the_assessment_and_the_entity(assessed, breach):
    facts = facts_for(assessed)
    assert facts["entity"]["timezone"] == "Europe/Berlin"
    assert facts["times"]["aware_at"] == breach.aware_at.isoformat()
    assert facts["personal_data"] == {
        "involved": True,
        "risk": "high",
        "subjects": 1200,
        "by_jurisdiction": {},
        "phi": False,
        "unsecured": False,
        "data_subject_exemption": None,
    }
    assert facts["significant"] is False
    assert facts["submitted"] == {}


def test_assessing_creates_obligations_with_due_times(assessed, breach):
    obligations = {o.code: o for o in Obligation.objects.filter(incident=breach)}
    assert set(obligations) == {"GDPR/supervisory-authority", "GDPR/data-subjects"}
    authority = obligations["GDPR/supervisory-authority"]
    assert authority.due_at == breach.aware_at + timedelta(hours=72)
    assert authority.status == ObligationStatus.OPEN
    assert obligations["GDPR/data-subjects"].due_at is None
    assert obligations["GDPR/data-subjects"].urgent is True
    assert breach.timeline.filter(
        kind=TimelineKind.OBLIGATION, text__startswith="Obligation GDPR/supervisory"
    ).exists()


def test_a_decision_adds_obligations_with_its_time(assessed, breach, compliance_officer):
    decided_at = breach.aware_at + timedelta(hours=1)
    services.decision_record(
        assessment=assessed,
        kind="significant",
        value=True,
        decided_at=decided_at,
        rationale="Customer-facing service down across two Member States.",
        actor=compliance_officer,
    )
    codes = set(Obligation.objects.filter(incident=breach).values_list("code", flat=True))
    assert {"NIS2/early-warning", "NIS2/notification", "NIS2/final"} <= codes
    early = Obligation.objects.get(incident=breach, code="NIS2/early-warning")
    assert early.due_at == breach.aware_at + timedelta(hours=24)


def test_a_moved_fact_moves_the_deadline_and_keeps_the_history(assessed, breach, responder):
    authority = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    old_due = authority.due_at
    new_aware = breach.aware_at + timedelta(hours=5)
    incident_services.incident_update(incident=breach, actor=responder, data={"aware_at": new_aware})
    authority.refresh_from_db()
    assert authority.due_at == new_aware + timedelta(hours=72)
    change = authority.due_changes.get()
    assert (change.old_due_at, change.new_due_at) == (old_due, authority.due_at)
    assert "aware_at" in change.reason
    assert breach.timeline.filter(
        kind=TimelineKind.OBLIGATION, text__startswith="Deadline of GDPR/supervisory"
    ).exists()


def test_an_obligation_that_no_longer_applies_is_withdrawn_not_deleted(assessed, breach, compliance_officer):
    services.assessment_save(incident=breach, actor=compliance_officer, data={"risk": "none"})
    authority = Obligation.objects.get(incident=breach, code="GDPR/supervisory-authority")
    assert authority.status == ObligationStatus.WITHDRAWN
    assert "no longer applies" in authority.status_reason
    services.assessment_save(incident=breach, actor=compliance_officer, data={"risk": "high"})
    authority.refresh_from_db()
    assert authority.status == ObligationStatus.OPEN


def test_exercises_and_declined_incidents_start_no_clocks(assessed, breach, responder, compliance_officer):
    incident_services.incident_update(incident=breach, actor=responder, data={"is_exercise": True})
    assert set(Obligation.objects.filter(incident=breach).values_list("status", flat=True)) == {
        ObligationStatus.WITHDRAWN
    }
    assert "exercise" in Obligation.objects.filter(incident=breach).first().status_reason


def test_not_required_needs_a_rationale_and_an_open_obligation(assessed, breach, compliance_officer):
    subjects = Obligation.objects.get(incident=breach, code="GDPR/data-subjects")
    with pytest.raises(Exception, match="rationale"):
        services.obligation_mark_not_required(obligation=subjects, actor=compliance_officer, rationale=" ")
    services.obligation_mark_not_required(
        obligation=subjects,
        actor=compliance_officer,
        rationale="Data was encrypted with keys not compromised (Art. 34(3)(a)).",
    )
    subjects.refresh_from_db()
    assert subjects.status == ObligationStatus.NOT_REQUIRED
    assert subjects.decided_by == compliance_officer
    with pytest.raises(TransitionNotAllowed):
        services.obligation_mark_not_required(
            obligation=subjects, actor=compliance_officer, rationale="again"
        )


def test_obligations_api_filters_and_fields(api_as, compliance_officer, assessed, breach):
    client = api_as(compliance_officer)
    body = client.get("/api/v1/compliance/obligations/").json()
    first = body["results"][0]
    assert {
        "id",
        "incident",
        "code",
        "regime",
        "recipient",
        "due_at",
        "status",
        "overdue",
        "urgent",
        "provisional",
        "basis",
        "required_fields",
    } <= set(first)
    assert [o["code"] for o in body["results"]] == ["GDPR/supervisory-authority", "GDPR/data-subjects"]
    assert client.get("/api/v1/compliance/obligations/?overdue=true").json()["count"] == 0
    Obligation.objects.filter(code="GDPR/supervisory-authority").update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    overdue = client.get("/api/v1/compliance/obligations/?overdue=true").json()["results"]
    assert [o["code"] for o in overdue] == ["GDPR/supervisory-authority"]
    assert overdue[0]["overdue"] is True
    assert client.get("/api/v1/compliance/obligations/?regime=NIS2").json()["count"] == 0
    assert client.get(f"/api/v1/compliance/obligations/?incident={breach.reference}").json()["count"] == 2
    soon = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/compliance/obligations/", {"due_before": soon}).json()["count"] == 1
    assert client.get("/api/v1/compliance/obligations/?status=bogus").status_code == 400
    assert client.get("/api/v1/compliance/obligations/?due_before=2026-01-01T00:00:00").status_code == 400


def test_responders_read_obligations_but_cannot_decide(api_as, responder, assessed, breach):
    client = api_as(responder)
    obligation = Obligation.objects.get(incident=breach, code="GDPR/data-subjects")
    assert client.get(f"/api/v1/compliance/obligations/{obligation.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/compliance/obligations/{obligation.pk}/not_required/", {"rationale": "x"}, format="json"
    )
    assert response.status_code == 403


def test_restricted_incidents_hide_their_obligations(api_as, outsider, responder, assessed, breach):
    incident_services.incident_update(incident=breach, actor=responder, data={"is_restricted": True})
    client = api_as(outsider)
    assert client.get("/api/v1/compliance/obligations/").json()["count"] == 0
    obligation = Obligation.objects.filter(incident=breach).first()
    assert client.get(f"/api/v1/compliance/obligations/{obligation.pk}/").status_code == 404
