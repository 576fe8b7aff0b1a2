"""The quality panel, review and publication on the post-mortem page."""

from __future__ import annotations

from postmortems import services
from postmortems.choices import PostmortemStatus
from postmortems.models import Postmortem
from tests.postmortems.factories import make_publishable
from tests.ui.postmortems.helpers import body_of, save_data

# --- quality, review, publication ---------------------------------------------------------------------


def test_the_quality_panel_lists_the_blocking_errors_and_publishing_waits(
    logged_in, postmortem, author, reviewer
):
    body = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert "The required section “Summary” is empty." in body
    assert "Name at least one contributing factor" in body
    assert "Add an action item, or write down why none is needed." in body
    assert 'href="#id_section_summary"' in body
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    client = logged_in(reviewer)
    page = body_of(client.get(f"/postmortems/{postmortem.pk}/"))
    assert 'disabled aria-describedby="publish-blocked"' in page
    response = client.post(f"/postmortems/{postmortem.pk}/transition/publish/", {"version": "2"}, follow=True)
    assert "cannot be published yet" in body_of(response)
    assert "The required section “Summary” is empty." in body_of(response)
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.IN_REVIEW


def test_warnings_do_not_block_publishing(logged_in, postmortem, author, reviewer):
    postmortem = make_publishable(postmortem, author)
    services.postmortem_update(
        postmortem=postmortem, actor=author, data={"sections": {"summary": "It was human error."}}
    )
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    body = body_of(logged_in(reviewer).get(f"/postmortems/{postmortem.pk}/"))
    assert "blame language" in body
    assert "Nothing blocks publishing." in body
    assert f'action="/postmortems/{postmortem.pk}/transition/publish/"' in body
    assert "publish-blocked" not in body


def test_review_buttons_follow_the_four_eyes_rule(logged_in, postmortem, author, reviewer, auditor):
    postmortem = make_publishable(postmortem, author)
    publish_url = f"/postmortems/{postmortem.pk}/transition/publish/"
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    version = Postmortem.objects.get(pk=postmortem.pk).version
    owner_page = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert publish_url not in owner_page
    assert "You own this post-mortem" in owner_page
    refused = logged_in(author).post(publish_url, {"version": version}, follow=True)
    assert "You own this post-mortem" in body_of(refused)
    assert publish_url not in body_of(logged_in(auditor).get(f"/postmortems/{postmortem.pk}/"))
    client = logged_in(reviewer)
    assert publish_url in body_of(client.get(f"/postmortems/{postmortem.pk}/"))
    published = client.post(publish_url, {"version": version}, follow=True)
    assert f"{postmortem.reference} published." in body_of(published)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert postmortem.published_by == reviewer
    page = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert "Revise (new draft)" in page
    assert 'name="section_summary"' not in page
    assert "Revision 1" in page


# --- sending it back with a comment -------------------------------------------------------------------


def test_a_reviewer_requests_changes_and_the_author_reads_the_comment(
    logged_in, postmortem, author, reviewer
):
    reviewer.first_name, reviewer.last_name = "Priya", "Nair"
    reviewer.save()
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    url = f"/postmortems/{postmortem.pk}/transition/request_changes/"
    assert url not in body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    client = logged_in(reviewer)
    assert url in body_of(client.get(f"/postmortems/{postmortem.pk}/"))
    sent = client.post(url, {"version": "2", "comment": "Say **why** the alert was late."}, follow=True)
    assert f"{postmortem.reference} sent back to" in body_of(sent)
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.DRAFT
    page = body_of(logged_in(author).get(f"/postmortems/{postmortem.pk}/"))
    assert "Changes requested by Priya Nair" in page
    assert "Say <strong>why</strong> the alert was late." in page
    incident_page = body_of(logged_in(author).get(f"/incidents/{postmortem.incidents.get().pk}/"))
    assert "Reviewer Priya Nair asked for changes" in incident_page


def test_an_empty_request_for_changes_shows_the_error_next_to_the_field(
    logged_in, postmortem, author, reviewer
):
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    response = logged_in(reviewer).post(
        f"/postmortems/{postmortem.pk}/transition/request_changes/", {"version": "2", "comment": "  "}
    )
    assert response.status_code == 200
    form = response.context["review_form"]
    assert "Say what needs to change" in form.errors["comment"][0]
    assert 'id="request-changes"' in body_of(response)
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.IN_REVIEW


def test_the_editor_submit_button_saves_what_was_typed_first(logged_in, postmortem, author):
    data = save_data(
        postmortem, section_summary="Typed and never saved on its own.", then="submit_for_review"
    )
    response = logged_in(author).post(f"/postmortems/{postmortem.pk}/", data, follow=True)
    assert f"{postmortem.reference} saved and submitted for review." in body_of(response)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.IN_REVIEW
    assert postmortem.sections.get(key="summary").body == "Typed and never saved on its own."


def test_a_submit_with_a_bad_field_saves_and_submits_nothing(logged_in, postmortem, author):
    data = save_data(postmortem, title="", section_summary="Kept in the form.", then="submit_for_review")
    response = logged_in(author).post(f"/postmortems/{postmortem.pk}/", data)
    assert "Not submitted for review" in body_of(response)
    assert "Kept in the form." in body_of(response)
    assert response.context["form"].errors["title"]
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.DRAFT
    assert postmortem.sections.get(key="summary").body != "Kept in the form."
