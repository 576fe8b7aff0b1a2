"""Starting and editing a post-mortem: forms that keep what was typed, stale saves that
overwrite nothing."""

from __future__ import annotations

from postmortems import services
from postmortems.choices import PostmortemStatus
from postmortems.models import Postmortem
from tests.factories import IncidentFactory
from tests.ui.postmortems.helpers import body_of, save_data

# --- starting, editing, conflicts ---------------------------------------------------------------------


def test_starting_from_an_incident_preselects_it_and_imports_its_timeline(
    logged_in, author, resolved_incident
):
    client = logged_in(author)
    page = body_of(client.get(f"/postmortems/new/?incident={resolved_incident.pk}"))
    assert f'<option value="{resolved_incident.pk}" selected>' in page
    response = client.post(
        "/postmortems/new/",
        {
            "incidents": [resolved_incident.pk],
            "template": services.PostmortemTemplate.objects.get(slug="standard").pk,
        },
    )
    postmortem = Postmortem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/postmortems/{postmortem.pk}/"
    assert postmortem.owner == author
    assert (
        postmortem.timeline_entries.count() == resolved_incident.timeline.exclude(kind="postmortem").count()
    )


def test_an_unresolved_incident_is_not_offered_and_is_explained(logged_in, author, incident):
    page = body_of(logged_in(author).get(f"/postmortems/new/?incident={incident.pk}"))
    assert "write its post-mortem once it is resolved" in page
    assert f"{incident.reference} · {incident.title}" not in page


def test_the_start_form_says_which_incidents_qualify_and_names_those_still_open(
    logged_in, author, resolved_incident
):
    still_open = IncidentFactory(title="Still burning")
    page = body_of(logged_in(author).get("/postmortems/new/"))
    assert "Only <strong>resolved or closed</strong> incidents are listed" in page
    assert f"{resolved_incident.reference} · {resolved_incident.title}" in page
    assert "Not listed, because still in progress:" in page
    assert f"{still_open.reference}</a> ({still_open.get_status_display().lower()})" in page
    assert "None of the incidents you can see is resolved or closed yet." not in page


def test_the_start_form_says_when_nothing_qualifies_yet(logged_in, author, incident):
    page = body_of(logged_in(author).get("/postmortems/new/"))
    assert "None of the incidents you can see is resolved or closed yet." in page
    assert f"{incident.reference}</a>" in page


def test_the_start_form_keeps_what_was_typed(logged_in, author, resolved_incident):
    response = logged_in(author).post("/postmortems/new/", {"title": "Kept title", "template": ""})
    body = body_of(response)
    assert response.status_code == 200
    assert "Kept title" in body
    assert "errorlist" in body
    assert not Postmortem.objects.exists()


def test_saving_the_editor_writes_sections_whys_and_factors(logged_in, postmortem, author):
    response = logged_in(author).post(
        f"/postmortems/{postmortem.pk}/",
        save_data(
            postmortem,
            section_summary="Checkout failed for 40 minutes.",
            whys="1. The pool was exhausted.\n\n2. A slow query held connections.\n",
            **{"factors-0-category": "change", "factors-0-description": "A release added the query."},
        ),
    )
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.sections.get(key="summary").body == "Checkout failed for 40 minutes."
    assert postmortem.whys == ["The pool was exhausted.", "A slow query held connections."]
    assert [(f.category.slug, f.description) for f in postmortem.factors.all()] == [
        ("change", "A release added the query.")
    ]
    assert postmortem.version == 2


def test_the_editor_keeps_what_was_typed_and_shows_field_errors(logged_in, postmortem, author):
    response = logged_in(author).post(
        f"/postmortems/{postmortem.pk}/",
        save_data(
            postmortem,
            title="",
            section_summary="My unsaved summary",
            **{"factors-0-category": "", "factors-0-description": "A factor without a category"},
        ),
    )
    body = body_of(response)
    assert response.status_code == 200
    assert "My unsaved summary" in body
    assert "A factor without a category" in body
    assert "Choose the category of this factor." in body
    assert "This field is required." in body
    assert Postmortem.objects.get(pk=postmortem.pk).version == postmortem.version


def test_service_errors_land_next_to_the_field(logged_in, postmortem, author):
    response = logged_in(author).post(
        f"/postmortems/{postmortem.pk}/",
        save_data(postmortem, reviewers=[author.pk], section_summary="Typed text"),
    )
    body = body_of(response)
    assert response.status_code == 200
    assert "owns the post-mortem and cannot review it" in body
    assert "Typed text" in body


def test_a_stale_save_shows_both_versions_and_overwrites_nothing(logged_in, postmortem, author, reviewer):
    read = Postmortem.objects.get(pk=postmortem.pk)
    services.postmortem_update(
        postmortem=postmortem, actor=reviewer, data={"sections": {"summary": "Theirs"}}, expected_version=1
    )
    client = logged_in(author)
    response = client.post(f"/postmortems/{postmortem.pk}/", save_data(read, section_summary="Mine"))
    body = body_of(response)
    assert response.status_code == 200
    assert "Someone saved this post-mortem while you were editing" in body
    assert "Nothing was overwritten" in body
    assert "Theirs" in body
    assert "Mine" in body
    assert postmortem.sections.get(key="summary").body == "Theirs"
    assert 'name="version" id="pm-version" value="2"' in body
    # Saving again from the page that showed the conflict is a deliberate choice: it goes through.
    again = client.post(f"/postmortems/{postmortem.pk}/", save_data(read, version=2, section_summary="Mine"))
    assert again.status_code == 302
    assert postmortem.sections.get(key="summary").body == "Mine"


def test_a_stale_transition_is_refused_with_an_explanation(logged_in, postmortem, author):
    client = logged_in(author)
    services.postmortem_update(postmortem=postmortem, actor=author, data={"title": "Renamed"})
    response = client.post(
        f"/postmortems/{postmortem.pk}/transition/submit_for_review/", {"version": "1"}, follow=True
    )
    assert "changed since you opened it" in body_of(response)
    assert Postmortem.objects.get(pk=postmortem.pk).status == PostmortemStatus.DRAFT
