"""Obligations never go stale (issue 13): every fact the engine reads, changed
through the web form and through the API, reaches the obligations.

The list of facts is derived from the engine's ``Facts`` dataclass, so a new
fact makes ``test_every_fact_has_a_change_tested`` fail until a way of changing
it is added here. The engine itself runs for real; the test only records the
``Facts`` each recomputation was given.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django import forms
from django.test import Client
from rest_framework.test import APIClient

from compliance import services
from compliance.choices import DECISION_FLAG, DECISION_TIME_FIELD
from compliance.facts import engine_facts
from compliance.models import Assessment, CustomRegime, LegalEntity, Obligation, RegulatorReport
from compliance.regimes import Facts, assess, parse_facts
from compliance.selectors import custom_regime_specs
from incidents import services as incident_services
from incidents.models import Incident
from tests.compliance.conftest import make_breach
from tests.factories import UserFactory


def fact_paths(cls: type = Facts, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every leaf fact (``entity.designations``, ``times.aware_at``, ``major``)."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        if dataclasses.is_dataclass(kind):
            yield from fact_paths(typing.cast(type, kind), f"{prefix}{field.name}.")
        else:
            yield f"{prefix}{field.name}"


def value_at(facts: Facts, path: str) -> Any:
    value: Any = facts
    for part in path.split("."):
        value = getattr(value, part)
    return dict(value) if isinstance(value, typing.Mapping) else value


# --- the real parts, recorded ------------------------------------------------------------------


@pytest.fixture
def engine_calls(monkeypatch) -> list[Facts]:
    """Every ``Facts`` the portal computed obligations from (the engine still runs)."""
    calls: list[Facts] = []

    def recording(facts: Facts, **kwargs: Any) -> Any:
        calls.append(facts)
        return assess(facts, **kwargs)

    monkeypatch.setattr("compliance.services.obligations.assess", recording)
    return calls


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """What a browser would post back for an unchanged form."""
    data: dict[str, Any] = {}
    for bound in form:
        widget, value = bound.field.widget, bound.value()
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif getattr(widget, "allow_multiple_selected", False):
            data[bound.html_name] = [str(item) for item in value or []]
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(widget, forms.DateTimeInput):
            data[bound.html_name] = widget.format_value(value)
        else:
            data[bound.html_name] = value
    return data


class Ctx:
    def __init__(self, incident: Incident, entity: LegalEntity, users: dict[str, Any]) -> None:
        self.incident = incident
        self.entity = entity
        self.users = users
        self.api: dict[str, APIClient] = {}
        self.web: dict[str, Client] = {}
        for role, user in users.items():
            self.api[role] = APIClient()
            self.api[role].force_authenticate(user=user)
            client = Client()
            client.force_login(user)
            self.web[role] = client

    @property
    def assessment(self) -> Assessment:
        return Assessment.objects.get(incident=self.incident)

    # web paths
    def web_assessment(self, **changes: Any) -> None:
        url = f"/compliance/incidents/{self.incident.pk}/assessment/"
        data = form_data(self.web["officer"].get(url).context["form"])
        for key, value in changes.items():
            if value is False:
                data.pop(key, None)
            else:
                data[key] = "on" if value is True else value
        response = self.web["officer"].post(url, data)
        assert response.status_code == 302, response.context["form"].errors

    def web_decision(self, kind: str, value: bool) -> None:
        url = f"/compliance/incidents/{self.incident.pk}/assessment/"
        data = {"action": "decision", "kind": kind, "value": "yes" if value else "no", "rationale": "Web."}
        assert self.web["officer"].post(url, data).status_code == 302

    def web_incident(self, **changes: Any) -> None:
        url = f"/incidents/{self.incident.pk}/edit/"
        data = form_data(self.web["responder"].get(url).context["form"])
        data.update(changes)
        response = self.web["responder"].post(url, data)
        assert response.status_code == 302, response.context["form"].errors

    def web_entity(self, **changes: Any) -> None:
        """The entity's change form in the Django admin, inlines included."""
        url = f"/admin/compliance/legalentity/{self.entity.pk}/change/"
        page = self.web["admin"].get(url)
        data = form_data(page.context["adminform"].form)
        for inline in page.context["inline_admin_formsets"]:
            data.update(form_data(inline.formset.management_form))
            for form in inline.formset.initial_forms:
                data.update(form_data(form))
        data.update(changes, _save="Save")
        response = self.web["admin"].post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    # API paths
    def api_assessment(self, **changes: Any) -> None:
        url = f"/api/v1/compliance/assessments/{self.assessment.pk}/"
        response = self.api["officer"].patch(url, changes, format="json")
        assert response.status_code == 200, response.content

    def api_decision(self, kind: str, value: bool) -> None:
        self.api_assessment(decisions=[{"kind": kind, "value": value, "rationale": "API."}])

    def api_incident(self, **changes: Any) -> None:
        url = f"/api/v1/incidents/{self.incident.pk}/"
        response = self.api["responder"].patch(url, changes, format="json")
        assert response.status_code == 200, response.content

    def api_entity(self, **changes: Any) -> None:
        url = f"/api/v1/compliance/entities/{self.entity.pk}/"
        response = self.api["admin"].patch(url, changes, format="json")
        assert response.status_code == 200, response.content


def _local(ctx: Ctx, hours: int) -> str:
    return (ctx.incident.detected_at + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _custom_regime(ctx: Ctx) -> None:
    CustomRegime.objects.create(
        code="PCI-VISA",
        name="Visa card-brand notice",
        recipient="Visa",
        amount=3,
        unit="calendar_days",
        basis="Merchant agreement 4.2",
    )


def _resolve_ready(ctx: Ctx) -> None:
    for action in ("acknowledge", "contain"):
        incident_services.incident_transition(
            incident=ctx.incident, action=action, actor=ctx.users["responder"]
        )


def _phi(ctx: Ctx) -> None:
    services.assessment_save(
        incident=ctx.incident,
        actor=ctx.users["officer"],
        data={"phi_involved": True, "phi_secured": False},
    )


def _approved_reports(ctx: Ctx) -> None:
    """Two approved reports (GDPR and NIS2 early warning) waiting to be submitted."""
    officer, second = ctx.users["officer"], ctx.users["second"]
    services.decision_record(
        assessment=ctx.assessment, kind="significant", value=True, rationale="Setup.", actor=officer
    )
    for code in ("GDPR/supervisory-authority", "NIS2/early-warning"):
        obligation = Obligation.objects.get(incident=ctx.incident, code=code)
        report = services.report_create(obligation=obligation, actor=officer)
        keys = [*obligation.required_fields, "reasons_for_delay"]  # the early warning is late already
        fields = {key: report.fields.get(key) or f"Answer for {key}" for key in keys}
        services.report_update(report=report, actor=officer, fields=fields, expected_version=1)
        services.report_transition(report=report, action="submit_for_review", actor=officer)
        services.report_transition(report=report, action="approve", actor=second)


def _report(ctx: Ctx, code: str) -> RegulatorReport:
    return RegulatorReport.objects.get(incident=ctx.incident, obligation__code=code)


def _web_submit(ctx: Ctx) -> None:
    report = _report(ctx, "GDPR/supervisory-authority")
    response = ctx.web["second"].post(
        f"/compliance/reports/{report.pk}/", {"action": "submit", "submission_reference": "DPA-1"}
    )
    assert response.status_code == 302
    assert RegulatorReport.objects.get(pk=report.pk).status == "submitted"


def _api_submit(ctx: Ctx) -> None:
    report = _report(ctx, "NIS2/early-warning")
    response = ctx.api["second"].post(
        f"/api/v1/compliance/reports/{report.pk}/submit/", {"submission_reference": "CSIRT-1"}, format="json"
    )
    assert response.status_code == 200, response.content


Change = Callable[[Ctx], None]
#: fact -> (set-up, change through the web, change through the API); each change alters the fact.
CHANGES: dict[str, tuple[Change | None, Change, Change]] = {
    "entity.name": (
        None,
        lambda c: c.web_entity(name="Example Bank AG (web)"),
        lambda c: c.api_entity(name="Example Bank AG (api)"),
    ),
    "entity.country": (None, lambda c: c.web_entity(country="AT"), lambda c: c.api_entity(country="FR")),
    "entity.timezone": (
        None,
        lambda c: c.web_entity(timezone="Europe/Vienna"),
        lambda c: c.api_entity(timezone="Europe/Paris"),
    ),
    "entity.designations": (
        None,
        lambda c: c.web_entity(designations=[*c.entity.designations, "ca-business"]),
        lambda c: c.api_entity(designations=[d for d in c.entity.designations if d != "ca-business"]),
    ),
    "entity.custom_regimes": (
        _custom_regime,
        lambda c: c.web_entity(custom_regimes=[str(CustomRegime.objects.get(code="PCI-VISA").pk)]),
        lambda c: c.api_entity(custom_regimes=[]),
    ),
    "times.aware_at": (
        None,
        lambda c: c.web_incident(aware_at=_local(c, 3)),
        lambda c: c.api_incident(aware_at=(c.incident.detected_at + timedelta(hours=4)).isoformat()),
    ),
    "times.handling_ended_at": (
        _resolve_ready,
        lambda c: c.web["responder"].post(f"/incidents/{c.incident.pk}/transition/resolve/"),
        lambda c: c.api["responder"].post(f"/api/v1/incidents/{c.incident.pk}/reopen/"),
    ),
    "personal_data.involved": (
        None,
        lambda c: c.web_assessment(personal_data_involved=False),
        lambda c: c.api_assessment(personal_data_involved=True),
    ),
    "personal_data.risk": (
        None,
        lambda c: c.web_assessment(risk="low"),
        lambda c: c.api_assessment(risk="medium"),
    ),
    "personal_data.subjects": (
        None,
        lambda c: c.web_assessment(data_subjects="1500"),
        lambda c: c.api_assessment(data_subjects=2000),
    ),
    "personal_data.by_jurisdiction": (
        None,
        lambda c: c.web_assessment(subjects_by_jurisdiction="US-CA 800"),
        lambda c: c.api_assessment(subjects_by_jurisdiction={"US-CA": 900, "DE": 100}),
    ),
    "personal_data.phi": (
        None,
        lambda c: c.web_assessment(phi_involved=True),
        lambda c: c.api_assessment(phi_involved=False),
    ),
    "personal_data.unsecured": (
        _phi,
        lambda c: c.web_assessment(phi_secured=True),
        lambda c: c.api_assessment(phi_secured=False),
    ),
    "personal_data.data_subject_exemption": (
        None,
        lambda c: c.web_assessment(data_subject_exemption="encryption"),
        lambda c: c.api_assessment(data_subject_exemption="subsequent-measures"),
    ),
    "submitted": (_approved_reports, _web_submit, _api_submit),
}
# Decisions set a flag (significant, major, material) and/or start a clock (times.*).
_DECISION_FACTS = [(k, f"times.{v}") for k, v in DECISION_TIME_FIELD.items()] + list(DECISION_FLAG.items())
for _kind, _field in _DECISION_FACTS:
    CHANGES.setdefault(
        _field,
        (
            None,
            lambda c, kind=_kind: c.web_decision(kind, True),
            lambda c, kind=_kind: c.api_decision(kind, False),
        ),
    )


@pytest.fixture
def ctx(db, responder, compliance_officer, admin_user, bank) -> Ctx:
    incident = make_breach(responder)
    services.assessment_save(
        incident=incident,
        actor=compliance_officer,
        data={
            "entity": bank,
            "personal_data_involved": True,
            "risk": "high",
            "data_subjects": 1200,
            "records": 1200,
            "data_categories": "Names, emails",
        },
    )
    second = UserFactory(username="compliance2", role="Compliance Officer")
    users = {"responder": responder, "officer": compliance_officer, "admin": admin_user, "second": second}
    return Ctx(incident, bank, users)


def _assert_current(ctx: Ctx, calls: list[Facts]) -> None:
    """The last recomputation saw the facts as stored now, and the obligations are its result."""
    assessment = (
        Assessment.objects.select_related("incident", "entity")
        .prefetch_related("decisions", "entity__custom_regimes")
        .get(incident=ctx.incident)
    )
    now = engine_facts(assessment)
    assert calls
    assert calls[-1] == now
    expected = {(o.code, o.due_at) for o in assess(now, custom_regimes=custom_regime_specs()).obligations}
    stored = set(
        Obligation.objects.filter(incident=ctx.incident)
        .exclude(status="withdrawn")
        .values_list("code", "due_at")
    )
    assert stored == expected


def test_every_fact_has_a_change_tested() -> None:
    assert set(fact_paths()) == set(CHANGES), "a fact the engine reads has no change tested here"


def test_the_typed_facts_are_the_json_facts(ctx) -> None:
    """The portal's typed path reads the records exactly as the JSON entry point would."""
    from compliance.facts import facts_for

    assessment = ctx.assessment
    assert engine_facts(assessment) == parse_facts(
        facts_for(assessment), custom_regimes=custom_regime_specs()
    )


@pytest.mark.parametrize("path", sorted(fact_paths()))
def test_a_change_of_each_fact_reaches_the_obligations(path, ctx, engine_calls) -> None:
    setup, web, api = CHANGES[path]
    if setup is not None:
        setup(ctx)
    for channel, change in (("web", web), ("api", api)):
        before = value_at(engine_facts(ctx.assessment), path)
        calls = len(engine_calls)
        ctx.entity.refresh_from_db()
        ctx.incident.refresh_from_db()
        change(ctx)
        assert len(engine_calls) > calls, f"{path} changed through the {channel} without a recomputation"
        after = value_at(engine_calls[-1], path)
        assert after != before, f"{path} did not change through the {channel}"
        _assert_current(ctx, engine_calls)


def test_choosing_another_entity_recomputes(ctx, engine_calls) -> None:
    other = LegalEntity.objects.create(
        name="Example Retail Inc.",
        country="US",
        subdivision="US-CA",
        timezone="America/Los_Angeles",
        designations=["ca-business"],
    )
    ctx.web_assessment(entity=str(other.pk))
    assert engine_calls[-1].entity.name == "Example Retail Inc."
    _assert_current(ctx, engine_calls)
    ctx.api_assessment(entity=ctx.entity.pk)
    assert engine_calls[-1].entity.name == ctx.entity.name
    _assert_current(ctx, engine_calls)


def test_the_california_case_designation_added_in_the_admin(ctx, engine_calls) -> None:
    """800 Californians among the affected: CA-1798.82 appears once the entity is designated."""
    ctx.api_assessment(subjects_by_jurisdiction={"DE": 4000, "US-CA": 800}, data_subjects=4800)
    assert not Obligation.objects.filter(incident=ctx.incident, regime="CA-1798.82").exists()
    ctx.web_entity(designations=[*ctx.entity.designations, "ca-business"])
    assert Obligation.objects.filter(incident=ctx.incident, regime="CA-1798.82", status="open").exists()
    _assert_current(ctx, engine_calls)


def test_a_subdivision_change_in_the_admin_recomputes(ctx, engine_calls) -> None:
    calls = len(engine_calls)
    ctx.web_entity(subdivision="DE-HE")
    assert len(engine_calls) == calls + 1


def test_a_save_that_changes_nothing_still_recomputes(ctx, engine_calls) -> None:
    """Facts changed behind the portal's back (e.g. a data fix) are picked up by the next save."""
    LegalEntity.objects.filter(pk=ctx.entity.pk).update(
        designations=[*ctx.entity.designations, "ca-business"]
    )
    calls = len(engine_calls)
    ctx.web_assessment()
    assert len(engine_calls) == calls + 1
    assert "ca-business" in engine_calls[-1].entity.designations
    _assert_current(ctx, engine_calls)


def test_a_failed_recomputation_rolls_the_entity_change_back(ctx, monkeypatch) -> None:
    def failing(facts: Facts, **kwargs: Any) -> Any:
        raise RuntimeError("engine down")

    monkeypatch.setattr("compliance.services.obligations.assess", failing)
    with pytest.raises(RuntimeError):
        ctx.api_entity(name="Renamed Bank AG")
    with pytest.raises(RuntimeError):
        ctx.web_entity(name="Renamed Bank AG")
    assert LegalEntity.objects.get(pk=ctx.entity.pk).name == "Example Bank AG"


def test_a_custom_regime_change_recomputes_its_entities(ctx, engine_calls) -> None:
    _custom_regime(ctx)
    regime = CustomRegime.objects.get(code="PCI-VISA")
    ctx.entity.custom_regimes.add(regime)
    services.entity_changed(entity=ctx.entity, actor=ctx.users["admin"])
    assert Obligation.objects.filter(
        incident=ctx.incident, code="PCI-VISA/notification", status="open"
    ).exists()
    response = ctx.api["admin"].patch(
        f"/api/v1/compliance/custom-regimes/{regime.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Obligation.objects.get(incident=ctx.incident, code="PCI-VISA/notification").status == "withdrawn"
    _assert_current(ctx, engine_calls)


def test_unknown_custom_regime_codes_are_refused_naming_the_field(ctx) -> None:
    response = ctx.api["admin"].patch(
        f"/api/v1/compliance/entities/{ctx.entity.pk}/", {"custom_regimes": ["NO-SUCH"]}, format="json"
    )
    assert response.status_code == 400
    assert "custom_regimes" in response.json()
