"""The post-mortem lifecycle, the quality gate and the four-eyes rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents import services as incident_services
from incidents.choices import TimelineKind
from incidents.models import TimelineEvent
from portal import roles
from portal.errors import ConflictError, TransitionNotAllowed
from portal.models import AuditEvent
from postmortems import services
from postmortems.choices import PostmortemStatus
from postmortems.models import Postmortem, PostmortemRevision, PostmortemTemplate, TemplateSection
from postmortems.quality import postmortem_quality
from postmortems.selectors import postmortem_content
from tests.factories import UserFactory
from tests.postmortems.factories import make_publishable, start_postmortem


def _codes(findings) -> list[str]:
    return [finding.code for finding in findings]


def _quality(postmortem):
    return postmortem_quality(postmortem_content(postmortem.pk))


def test_creating_copies_the_template_sections_and_writes_the_incident_timeline(
    postmortem, resolved_incident, author
):
    template = PostmortemTemplate.objects.get(slug="standard")
    assert [s.key for s in postmortem.sections.all()] == list(
        template.sections.order_by("order").values_list("key", flat=True)
    )
    assert postmortem.status == PostmortemStatus.DRAFT
    assert postmortem.owner == author
    assert postmortem.template_version == template.version
    assert postmortem.title == f"Post-mortem: {resolved_incident.title}"
    event = TimelineEvent.objects.filter(incident=resolved_incident, kind=TimelineKind.POSTMORTEM).get()
    assert postmortem.reference in event.text
    assert AuditEvent.objects.filter(action="postmortem.created", object_id=str(postmortem.pk)).exists()


def test_editing_a_template_later_does_not_change_existing_postmortems(postmortem):
    section = TemplateSection.objects.get(template__slug="standard", key="summary")
    section.title = "Executive summary"
    section.save()
    assert postmortem.sections.get(key="summary").title == "Summary"


def test_it_refuses_incidents_that_are_not_resolved(author, incident):
    with pytest.raises(ValidationError) as refused:
        start_postmortem(author, [incident])
    assert "not resolved" in str(refused.value)


def test_a_fresh_postmortem_lists_every_blocking_error(postmortem):
    quality = _quality(postmortem)
    codes = _codes(quality.errors)
    assert codes.count("required_section_empty") == 5  # summary, impact, root cause, poorly, lessons
    assert "no_contributing_factor" in codes
    assert "no_action_items" in codes
    assert "root_cause_without_whys" in _codes(quality.warnings)


def test_a_written_reason_replaces_action_items_and_items_need_owner_and_due_date(postmortem, author):
    services.postmortem_update(
        postmortem=postmortem, actor=author, data={"no_action_items_reason": "Fixed by the vendor."}
    )
    assert "no_action_items" not in _codes(_quality(postmortem).errors)
    item = services.action_item_create(actor=author, postmortem=postmortem, title="Tune alert")
    errors = _quality(postmortem).errors
    assert {"action_item_without_owner", "action_item_without_due_date"} <= set(_codes(errors))
    assert all(f.field == f"action_items.{item.pk}" for f in errors if f.code.startswith("action_item"))


def test_a_complete_postmortem_has_no_errors(postmortem, author):
    make_publishable(postmortem, author)
    assert _quality(postmortem).errors == []


def test_blame_language_and_timeline_gaps_are_warnings(postmortem, author, resolved_incident):
    make_publishable(postmortem, author)
    services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={
            "sections": {
                "what_went_poorly": "Pure human error: Bob should have checked.",
                "what_went_well": "A blameless review; nobody was blamed.",
            },
            "whys": ["The engineer was careless."],
        },
    )
    warnings = _quality(postmortem).warnings
    blame = [w for w in warnings if w.code == "blame_language"]
    found = {w.field: w.message.split("(", 1)[1].split(")", 1)[0] for w in blame}
    assert found == {
        "sections.what_went_poorly": "“human error”, “should have”",
        "sections.what_went_well": "“blame”",  # for “blamed”: “blameless” is fine
        "whys.0": "“careless”",
    }
    # The fixture's incident was resolved 40 minutes after detection: no gap yet.
    assert "timeline_gap" not in _codes(warnings)
    resolved_incident.resolved_at = resolved_incident.detected_at + timedelta(hours=5)
    resolved_incident.save(update_fields=["resolved_at"])
    gaps = [w for w in _quality(postmortem).warnings if w.code == "timeline_gap"]
    assert len(gaps) == 1
    resolved = timezone.localtime(resolved_incident.resolved_at).strftime("%Y-%m-%d %H:%M %Z")
    assert gaps[0].message.endswith(f"and {resolved}.")
    assert " h " in gaps[0].message


def test_the_full_lifecycle_through_the_api(api_as, author, reviewer, resolved_incident):
    client = api_as(author)
    created = client.post(
        "/api/v1/postmortems/",
        {"incidents": [resolved_incident.pk], "template": "standard", "reviewers": [reviewer.pk]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    url = f"/api/v1/postmortems/{body['id']}"
    assert body["status"] == "draft"
    assert body["allowed_actions"] == ["submit_for_review"]
    assert created["ETag"] == '"1"'
    assert {"sections", "whys", "contributing_factors", "impact", "timeline", "quality", "version"} <= set(
        body
    )
    assert body["sections"][0] == {
        "key": "summary",
        "title": "Summary",
        "guidance": body["sections"][0]["guidance"],
        "required": True,
        "body": "",
        "body_html": "",
    }
    patch = {
        "sections": {key["key"]: f"**{key['title']}** text." for key in body["sections"]},
        "whys": ["Pool exhausted.", "Slow query.", "No index."],
        "contributing_factors": [{"category": "change", "description": "Release without canary."}],
    }
    edited = client.patch(f"{url}/", patch, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200, edited.content
    assert edited.json()["contributing_factors"] == [
        {"category": "change", "description": "Release without canary."}
    ]
    assert edited.json()["sections"][0]["body_html"] == "<p><strong>Summary</strong> text.</p>\n"
    item = client.post(
        "/api/v1/action-items/",
        {
            "postmortem": body["id"],
            "title": "Add an index",
            "owner": author.pk,
            "due_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "kind": "prevent",
            "priority": "high",
        },
        format="json",
    )
    assert item.status_code == 201, item.content
    assert client.get(f"{url}/").json()["quality"]["errors"] == []
    submitted = client.post(f"{url}/submit_for_review/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "in_review"
    assert client.post(f"{url}/publish/").status_code == 403  # the owner
    published = api_as(reviewer).post(f"{url}/publish/", {"note": "Reviewed."}, format="json")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert published.json()["revision"] == 1
    assert published.json()["published_by"]["username"] == "reviewer"
    kinds = TimelineEvent.objects.filter(incident=resolved_incident, kind=TimelineKind.POSTMORTEM)
    assert [e.data["action"] for e in kinds.order_by("id")] == ["created", "published"]
    actions = set(AuditEvent.objects.filter(object_id=str(body["id"])).values_list("action", flat=True))
    assert {"postmortem.created", "postmortem.updated", "postmortem.published"} <= actions


def test_the_owner_alone_gets_403_and_reviewers_or_compliance_may_publish(
    api_as, postmortem, author, reviewer, compliance_officer, auditor
):
    make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    url = f"/api/v1/postmortems/{postmortem.pk}/publish/"
    refused = api_as(author).post(url)
    assert refused.status_code == 403
    assert "someone else" in refused.json()["detail"] or "reviewer" in refused.json()["detail"]
    other_author = UserFactory(username="other-author", role=roles.POSTMORTEM_AUTHOR)
    assert api_as(other_author).post(url).status_code == 403  # an author, but not a listed reviewer
    assert api_as(auditor).post(url).status_code == 403
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.IN_REVIEW
    assert api_as(compliance_officer).post(url).status_code == 200


def test_an_owner_who_may_publish_still_cannot_publish_their_own(admin_user, resolved_incident, reviewer):
    postmortem = start_postmortem(admin_user, [resolved_incident])
    make_publishable(postmortem, admin_user)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    with pytest.raises(PermissionDenied):
        services.postmortem_publish(postmortem=postmortem, actor=admin_user)


def test_whoever_submitted_it_cannot_publish_it_either(postmortem, author, reviewer, compliance_officer):
    make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    with pytest.raises(PermissionDenied):
        services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    services.postmortem_publish(postmortem=postmortem, actor=compliance_officer)


def test_quality_errors_block_publishing_with_409_listing_them(api_as, postmortem, author, reviewer):
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    response = api_as(reviewer).post(f"/api/v1/postmortems/{postmortem.pk}/publish/")
    assert response.status_code == 409
    codes = {error["code"] for error in response.json()["errors"]}
    assert {"required_section_empty", "no_contributing_factor", "no_action_items"} <= codes
    assert "quality error" in response.json()["detail"]
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.IN_REVIEW


def test_steps_the_lifecycle_does_not_allow_are_409(api_as, postmortem, author, reviewer):
    client = api_as(author)
    url = f"/api/v1/postmortems/{postmortem.pk}"
    assert client.post(f"{url}/revise/").status_code == 409
    assert api_as(reviewer).post(f"{url}/publish/").status_code == 409  # still a draft
    with pytest.raises(TransitionNotAllowed):
        services.postmortem_revise(postmortem=postmortem, actor=author)


def test_a_published_postmortem_is_frozen_and_revising_keeps_the_published_revision(
    api_as, postmortem, author, reviewer
):
    make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    postmortem.refresh_from_db()
    with pytest.raises(ConflictError):
        services.postmortem_update(postmortem=postmortem, actor=author, data={"title": "Changed"})
    client = api_as(author)
    url = f"/api/v1/postmortems/{postmortem.pk}"
    frozen = client.patch(f"{url}/", {"title": "x"}, format="json", HTTP_IF_MATCH=f'"{postmortem.version}"')
    assert frozen.status_code == 409
    revised = client.post(f"{url}/revise/", {"note": "New findings from the vendor."}, format="json")
    assert revised.status_code == 200
    assert revised.json()["status"] == "draft"
    assert revised.json()["revision"] == 1
    version = revised.json()["version"]
    assert (
        client.patch(
            f"{url}/",
            {"sections": {"summary": "Revised summary."}},
            format="json",
            HTTP_IF_MATCH=f'"{version}"',
        ).status_code
        == 200
    )
    first = PostmortemRevision.objects.get(postmortem=postmortem, number=1)
    summary = next(s for s in first.snapshot["sections"] if s["key"] == "summary")
    assert summary["body"] == "Written text for Summary."
    assert "Written text for Summary." in first.markdown
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    revisions = client.get(f"{url}/revisions/").json()["results"]
    assert [r["number"] for r in revisions] == [2, 1]
    assert "Revised summary." in revisions[0]["markdown"]
    assert "Revised summary." not in revisions[1]["markdown"]
    assert len(revisions[0]["sha256"]) == 64


def test_a_draft_can_be_deleted_but_a_published_one_cannot(
    api_as, postmortem, author, reviewer, resolved_incident
):
    other = start_postmortem(author, [resolved_incident])
    assert api_as(author).delete(f"/api/v1/postmortems/{other.pk}/").status_code == 204
    assert not Postmortem.objects.filter(pk=other.pk).exists()
    make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    assert api_as(author).delete(f"/api/v1/postmortems/{postmortem.pk}/").status_code == 409


def test_people_named_on_a_postmortem_must_be_able_to_take_part(
    api_as, author, responder, auditor, resolved_incident
):
    client = api_as(author)

    def create(**extra):
        body = {"incidents": [resolved_incident.pk], "template": "lightweight", **extra}
        return client.post("/api/v1/postmortems/", body, format="json")

    assert create(owner=responder.pk).status_code == 400  # cannot write post-mortems
    assert "reviewers" in create(reviewers=[auditor.pk]).json()  # reads only
    assert "reviewers" in create(reviewers=[author.pk]).json()  # the owner
    assert create(facilitator=responder.pk).status_code == 201


def test_who_may_write(api_as, postmortem, responder, auditor, compliance_officer, resolved_incident):
    for user in (responder, auditor, compliance_officer):
        client = api_as(user)
        assert client.get(f"/api/v1/postmortems/{postmortem.pk}/").status_code == 200
        body = {"incidents": [resolved_incident.pk], "template": "standard"}
        assert client.post("/api/v1/postmortems/", body, format="json").status_code == 403
        assert (
            client.patch(
                f"/api/v1/postmortems/{postmortem.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH='"1"'
            ).status_code
            == 403
        )


def test_a_reopened_incident_blocks_publishing(postmortem, author, resolved_incident, responder):
    make_publishable(postmortem, author)
    assert _quality(postmortem).errors == []
    incident_services.incident_reopen(incident=resolved_incident, actor=responder, note="Back again.")
    errors = _quality(postmortem).errors
    assert _codes(errors) == ["incident_not_resolved"]
    assert resolved_incident.reference in errors[0].message


def test_an_incident_with_a_postmortem_cannot_be_deleted(api_as, admin_user, postmortem, resolved_incident):
    response = api_as(admin_user).delete(f"/api/v1/incidents/{resolved_incident.pk}/")
    assert response.status_code == 409
    assert Postmortem.objects.filter(pk=postmortem.pk).exists()


def test_templates_are_listed_with_their_sections(api_as, author):
    listed = api_as(author).get("/api/v1/postmortem-templates/").json()["results"]
    assert {t["slug"] for t in listed} == {"standard", "security-incident", "lightweight"}
    lightweight = next(t for t in listed if t["slug"] == "lightweight")
    assert [s["key"] for s in lightweight["sections"]] == ["summary", "cause", "actions"]
    categories = api_as(author).get("/api/v1/contributing-factor-categories/").json()["results"]
    assert [c["slug"] for c in categories] == [
        "detection",
        "response",
        "change",
        "design",
        "capacity",
        "dependency",
        "process",
        "communication",
        "external",
    ]


def test_starter_text_is_rendered_in_the_sandbox_and_counts_as_empty(author, resolved_incident):
    section = TemplateSection.objects.get(template__slug="lightweight", key="summary")
    section.starter_text = "{{ title.__class__ }}"
    with pytest.raises(ValidationError):
        section.full_clean()
    section.starter_text = "Incidents: {{ incident_references | join(', ') }} ({{ severity }})."
    section.full_clean()
    section.save()
    postmortem = start_postmortem(author, [resolved_incident], template=section.template)
    summary = postmortem.sections.get(key="summary")
    assert summary.body == f"Incidents: {resolved_incident.reference} (SEV2)."
    assert "sections.summary" in [f.field for f in _quality(postmortem).errors]
