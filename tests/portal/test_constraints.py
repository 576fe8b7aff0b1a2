"""Every CheckConstraint and UniqueConstraint a request can reach is reported as its field, never a 500.

The registry below must name every constraint of the project (enumerated from
the app registry): either with a probe that breaks it through the API (and the
admin form, where the model has one) and checks the answer, or with the reason
no request can reach it. A new constraint fails ``test_every_constraint_is_accounted_for``
until it is mirrored and probed here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.db import IntegrityError
from django.test import RequestFactory
from django.utils import timezone

from incidents.models import Category, IncidentRole, Severity
from portal.constraints import integrity_error_response_detail, project_constraints

Probe = Callable[[Any], None]
PROBES: dict[str, Probe] = {}

#: Constraints no request can break: the service that writes the row computes
#: the constrained values itself or claims the row under the constraint on purpose.
INTERNAL = {
    "external_identity_issuer_subject_uniq": "written by the OIDC sign-in, keyed by the provider's own sub",
    "stakeholder_template_version_once": "versions are numbered by the template service under a row lock",
    "kpimonth_one_row_per_group": "the KPI rollup is written only by the incident triggers and rebuild_kpis",
    "one_active_holder_per_incident_role": "role assignment ends the previous holder in the same transaction",
    "task_from_playbook_once": "playbook tasks are copied once by the playbook service (claim)",
    "escalation_once_per_incident_target": "the claim of run_escalations",
    "one_obligation_per_code": "obligations are computed by the regime engine, one per code",
    "one_reminder_per_kind_and_due": "the claim of send_deadline_reminders",
    "submitted_report_has_time_and_pdf": "set by the submission service together with the status",
    "postmortem_published_has_stamp": "set by the publication service together with the status",
    "postmortem_section_key_unique": "sections are copied from the template's unique keys",
    "postmortem_revision_unique": "revisions are numbered by the publication service under a row lock",
    "actionitem_closed_at_matches_status": "closed_at is set by the action-item transition service",
    "actionitem_reminder_once": "the claim of send_action_item_reminders",
    "one_link_per_external_incident": "inbound webhooks look the link up first; a race is a 409 (inbound)",
    "inbound_event_processed_once": "the idempotency claim of inbound webhooks (duplicates answer 200)",
    "one_delivery_per_event_and_target": "outbound emission creates one delivery per subscription",
    "one_attempt_per_number": "attempts are numbered by the delivery claim",
    "one_due_event_per_object_and_due": "the claim of emit_due_events",
}


def probe(name: str) -> Callable[[Probe], Probe]:
    def register(function: Probe) -> Probe:
        PROBES[name] = function
        return function

    return register


def refused(response: Any, field: str, statuses: tuple[int, ...] = (400, 409)) -> None:
    assert response.status_code in statuses, (response.status_code, response.content)
    body = response.json()
    assert field in body or field in str(body), body


# --- the probes ---------------------------------------------------------------------------------------


@probe("severity_resolve_after_acknowledge")
def _severity(ctx: Any) -> None:
    body = {
        "name": "SEV9",
        "rank": 9,
        "colour": "#123456",
        "acknowledge_target_minutes": 60,
        "resolve_target_minutes": 30,
    }
    refused(ctx.api.post("/api/v1/severities/", body, format="json"), "resolve_target_minutes")
    sev2 = Severity.objects.get(name="SEV2")
    patched = ctx.api.patch(
        f"/api/v1/severities/{sev2.pk}/", {"resolve_target_minutes": 0}, format="json"
    )
    refused(patched, "resolve_target_minutes")
    form = ctx.admin_form(Severity, {**body, "is_active": "on"})
    assert not form.is_valid()
    assert form.errors


@probe("incident_occurred_before_detected")
def _occurred(ctx: Any) -> None:
    now = timezone.now()
    body = {
        "title": "t",
        "severity": Severity.objects.get(name="SEV2").pk,
        "category": Category.objects.get(slug="system-outage").pk,
        "detected_at": (now - timedelta(hours=2)).isoformat(),
        "occurred_at": (now - timedelta(hours=1)).isoformat(),
    }
    refused(ctx.api.post("/api/v1/incidents/", body, format="json"), "occurred_at")


@probe("incident_aware_after_detected")
def _aware(ctx: Any) -> None:
    now = timezone.now()
    body = {
        "title": "t",
        "severity": Severity.objects.get(name="SEV2").pk,
        "category": Category.objects.get(slug="system-outage").pk,
        "detected_at": (now - timedelta(hours=1)).isoformat(),
        "aware_at": (now - timedelta(hours=2)).isoformat(),
    }
    refused(ctx.api.post("/api/v1/incidents/", body, format="json"), "aware_at")


@probe("stakeholder_template_name_language")
def _template(ctx: Any) -> None:
    body = {
        "name": "Status page",
        "audience": "customers",
        "channel": "email",
        "language": "en",
        "subject_template": "Incident",
        "body_template": "We are on it.",
    }
    first = ctx.api.post("/api/v1/stakeholder-templates/", body, format="json")
    assert first.status_code == 201, first.content
    refused(ctx.api.post("/api/v1/stakeholder-templates/", body, format="json"), "name")


@probe("one_active_playbook_per_category_severity")
def _playbook(ctx: Any) -> None:
    category = Category.objects.get(slug="system-outage")
    severity = Severity.objects.get(name="SEV2")
    body = {"name": "Outage A", "category": category.pk, "minimum_severity": severity.pk}
    first = ctx.api.post("/api/v1/playbooks/", body, format="json")
    assert first.status_code == 201, first.content
    refused(ctx.api.post("/api/v1/playbooks/", {**body, "name": "Outage B"}, format="json"), "category")


def _team_body(ctx: Any, **extra: Any) -> dict[str, Any]:
    return {"name": f"Team {len(extra)}", "team_type": ctx.team_type, **extra}


@probe("team_member_once")
def _member(ctx: Any) -> None:
    member = {"user": ctx.responder.pk, "roles": ["incident-commander"]}
    response = ctx.api.post("/api/v1/teams/", _team_body(ctx, members=[member, member]), format="json")
    refused(response, "members")


@probe("team_role_cover_once")
def _cover(ctx: Any) -> None:
    member = {"user": ctx.responder.pk, "roles": ["incident-commander"]}
    cover = {"role": "incident-commander", "primary": ctx.responder.pk}
    response = ctx.api.post(
        "/api/v1/teams/", _team_body(ctx, members=[member], role_covers=[cover, cover]), format="json"
    )
    refused(response, "role_covers")


@probe("team_role_cover_deputy_differs")
def _deputy(ctx: Any) -> None:
    member = {"user": ctx.responder.pk, "roles": ["incident-commander"]}
    cover = {"role": "incident-commander", "primary": ctx.responder.pk, "deputy": ctx.responder.pk}
    response = ctx.api.post(
        "/api/v1/teams/", _team_body(ctx, members=[member], role_covers=[cover]), format="json"
    )
    refused(response, "role_covers")


@probe("escalation_contact_reachable")
def _contact(ctx: Any) -> None:
    response = ctx.api.post(
        "/api/v1/teams/", _team_body(ctx, escalation_contacts=[{"name": "Duty manager"}]), format="json"
    )
    refused(response, "email")


@probe("one_authority_per_entity_regime")
def _authority(ctx: Any) -> None:
    from compliance.models import CompetentAuthority, LegalEntity

    entity = LegalEntity.objects.create(name="Bank", country="DE", timezone="Europe/Berlin")
    CompetentAuthority.objects.create(entity=entity, regime="GDPR", name="BfDI")
    # Only the admin edits authorities (an inline of the legal entity): the inline formset refuses it.
    duplicate = CompetentAuthority(entity=entity, regime="GDPR", name="Another")
    with pytest.raises(Exception, match="already exists"):
        duplicate.validate_constraints()


@probe("report_approver_is_not_author")
def _approver(ctx: Any) -> None:
    # The four-eyes rule refuses before the database sees it (tests/compliance/test_reports.py:
    # the author's own approval is a 403 naming the author); here the constraint's own text.
    from compliance.models import RegulatorReport

    constraint = next(c for c in RegulatorReport._meta.constraints if c.name == "report_approver_is_not_author")
    status, body = integrity_error_response_detail(
        IntegrityError(f"CHECK constraint failed: {constraint.name}")
    )
    assert status == 400
    assert "approver" in body


@probe("template_section_key_unique")
def _sections(ctx: Any) -> None:
    section = {"key": "summary", "title": "Summary"}
    body = {"name": "Mine", "slug": "mine", "sections": [section, section]}
    response = ctx.api.post("/api/v1/postmortem-templates/", body, format="json")
    if response.status_code in (403, 405):  # templates are edited in the admin only
        from postmortems.models import PostmortemTemplate, TemplateSection

        template = PostmortemTemplate.objects.get(slug="standard")
        key = template.sections.first().key
        with pytest.raises(Exception, match="already exists"):
            TemplateSection(template=template, key=key, title="Again").validate_constraints()
        return
    refused(response, "sections")


@probe("postmortem_incident_unique")
def _postmortem_incidents(ctx: Any) -> None:
    from tests.postmortems.factories import resolve

    incident = resolve(ctx.incident, ctx.responder)
    body = {"incidents": [incident.pk, incident.pk], "template": "standard"}
    response = ctx.api.post("/api/v1/postmortems/", body, format="json")
    if response.status_code == 201:  # the duplicate was folded into one link
        assert len(response.json()["incidents"]) == 1
        return
    refused(response, "incidents")


def _action_item(ctx: Any, kind: str) -> int:
    from tests.postmortems.factories import resolve, start_postmortem

    incident = resolve(ctx.incident, ctx.responder)
    postmortem = start_postmortem(ctx.admin, [incident])
    response = ctx.api.post(
        "/api/v1/action-items/",
        {"postmortem": postmortem.pk, "title": "Add a timeout", "kind": kind},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@probe("actionitem_wont_do_has_reason")
def _wont_do(ctx: Any) -> None:
    item = _action_item(ctx, "prevent")
    refused(ctx.api.post(f"/api/v1/action-items/{item}/wont_do/", {"reason": ""}, format="json"), "reason")


@probe("actionitem_done_prevention_is_verified")
def _verified(ctx: Any) -> None:
    item = _action_item(ctx, "prevent")
    assert ctx.api.post(f"/api/v1/action-items/{item}/start/").status_code == 200
    refused(
        ctx.api.post(f"/api/v1/action-items/{item}/complete/", {"verification": ""}, format="json"),
        "verification",
    )


# --- the tests ---------------------------------------------------------------------------------------

ALL = sorted(constraint.name for constraint in project_constraints())


def test_every_constraint_is_accounted_for():
    assert not set(PROBES) & set(INTERNAL)
    missing = sorted(set(ALL) - set(PROBES) - set(INTERNAL))
    assert not missing, f"Mirror these constraints in serializer and form, and probe them here: {missing}"
    stale = sorted((set(PROBES) | set(INTERNAL)) - set(ALL))
    assert not stale, f"These constraints are gone: {stale}"


class Context:
    def __init__(self, api: Any, admin_user: Any, responder: Any, incident: Any) -> None:
        self.api = api
        self.admin = admin_user
        self.responder = responder
        self.incident = incident
        from incidents.models import TeamType

        self.team_type = TeamType.objects.filter(is_active=True).values_list("slug", flat=True).first()

    def admin_form(self, model: Any, data: dict[str, Any]) -> Any:
        model_admin = admin.site._registry[model]
        request = RequestFactory().post("/admin/")
        request.user = self.admin
        return model_admin.get_form(request)(data=data)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_a_request_that_breaks_the_constraint_is_refused_naming_the_field(
    name, api_as, admin_user, responder, incident
):
    IncidentRole.objects.get(slug="incident-commander")
    PROBES[name](Context(api_as(admin_user), admin_user, responder, incident))


@pytest.mark.parametrize("name", ALL)
def test_an_integrity_error_of_any_constraint_is_a_4xx_naming_its_field(name):
    constraint = next(c for c in project_constraints() if c.name == name)
    if constraint.kind == "check":
        error = IntegrityError(f"CHECK constraint failed: {name}")
    else:
        table = constraint.model._meta.db_table
        columns = [constraint.model._meta.get_field(field).column for field in constraint.fields]
        error = IntegrityError("UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in columns))
    status, body = integrity_error_response_detail(error)
    assert status == (409 if constraint.kind == "unique" else 400)
    assert constraint.fields[0] in body


def test_an_integrity_error_that_reaches_a_view_is_a_409_not_a_500(api_as, admin_user, monkeypatch):
    from incidents.api import views

    def racing_insert(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("UNIQUE constraint failed: incidents_severity.name")

    monkeypatch.setattr(views.SeverityViewSet, "perform_create", racing_insert)
    response = api_as(admin_user).post(
        "/api/v1/severities/",
        {"name": "SEV7", "rank": 7, "acknowledge_target_minutes": 5, "resolve_target_minutes": 50},
        format="json",
    )
    assert response.status_code == 409
    assert "name" in response.json()




@pytest.mark.filterwarnings("ignore::django.utils.deprecation.RemovedInDjango60Warning")
@pytest.mark.parametrize("name", ALL)
def test_admin_forms_validate_the_constraints_of_their_model(name, admin_user):
    """Django's ModelForm checks a model's constraints only when the form has all their fields:
    an admin form with some of them would let the database refuse the save (a 500)."""
    constraint = next(c for c in project_constraints() if c.name == name)
    model_admin = admin.site._registry.get(constraint.model)
    if model_admin is None:
        pytest.skip("no admin form for this model")
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    form_fields = set(model_admin.get_form(request).base_fields)
    constrained = {field for field in constraint.fields if constraint.model._meta.get_field(field).editable}
    present = constrained & form_fields
    assert present in (set(), constrained), f"{name}: the admin form has {present} of {constrained}"
