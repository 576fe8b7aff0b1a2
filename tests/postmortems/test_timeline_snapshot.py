"""The imported timeline is the post-mortem's own copy: editing it never changes the incident's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents import services as incident_services
from incidents.choices import TimelineKind
from incidents.models import TimelineEvent
from portal.errors import ConflictError
from postmortems import services
from postmortems.models import Postmortem, PostmortemTimelineEntry
from tests.postmortems.factories import make_publishable, start_postmortem


def _incident_timeline(incident) -> list[tuple[int, str, str]]:
    return list(
        TimelineEvent.objects.filter(incident=incident)
        .exclude(kind=TimelineKind.POSTMORTEM)
        .order_by("id")
        .values_list("id", "text", "kind")
    )


def test_creation_imports_every_incident_event_but_the_postmortem_lines(postmortem, resolved_incident):
    imported = list(postmortem.timeline_entries.order_by("occurred_at", "id"))
    events = list(
        TimelineEvent.objects.filter(incident=resolved_incident)
        .exclude(kind=TimelineKind.POSTMORTEM)
        .order_by("occurred_at", "id")
    )
    assert [(e.source_event_id, e.text, e.kind, e.occurred_at) for e in imported] == [
        (e.pk, e.text, e.kind, e.occurred_at) for e in events
    ]
    assert len(imported) >= 4


def test_editing_starring_assessing_and_deleting_entries_leaves_the_incident_alone(
    api_as, postmortem, author, resolved_incident
):
    before = _incident_timeline(resolved_incident)
    client = api_as(author)
    url = f"/api/v1/postmortems/{postmortem.pk}/timeline/"
    entries = client.get(url).json()["results"]
    first, second = entries[0], entries[1]
    edited = client.patch(
        f"{url}{first['id']}/",
        {
            "text": "Acknowledged by the on-call SRE.",
            "starred": True,
            "assessment": "fact",
            "annotation": "Pager log",
        },
        format="json",
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["text"] == "Acknowledged by the on-call SRE."
    assert edited.json()["original_text"] == first["text"]
    assert edited.json()["edited"] is True
    assert edited.json()["starred"] is True
    assert edited.json()["assessment"] == "fact"
    hypothesis = client.patch(f"{url}{second['id']}/", {"assessment": "hypothesis"}, format="json")
    assert hypothesis.json()["assessment"] == "hypothesis"
    assert client.delete(f"{url}{entries[2]['id']}/").status_code == 204
    added = client.post(
        url,
        {
            "occurred_at": (resolved_incident.detected_at + timedelta(minutes=1)).isoformat(),
            "text": "Alert fired.",
        },
        format="json",
    )
    assert added.status_code == 201
    assert _incident_timeline(resolved_incident) == before
    assert TimelineEvent.objects.filter(pk=first["source_event"]).get().text == first["text"]
    assert Postmortem.objects.get(pk=postmortem.pk).version == postmortem.version + 4


def test_later_incident_events_are_not_pulled_into_the_snapshot(postmortem, resolved_incident, responder):
    count = postmortem.timeline_entries.count()
    incident_services.incident_add_note(incident=resolved_incident, actor=responder, text="Late note.")
    assert postmortem.timeline_entries.count() == count
    other = start_postmortem(postmortem.owner, [resolved_incident])
    assert other.timeline_entries.filter(text="Late note.").exists()


def test_an_entry_of_another_postmortem_is_404(api_as, postmortem, author, resolved_incident):
    other = start_postmortem(author, [resolved_incident])
    foreign = other.timeline_entries.first()
    response = api_as(author).patch(
        f"/api/v1/postmortems/{postmortem.pk}/timeline/{foreign.pk}/", {"starred": True}, format="json"
    )
    assert response.status_code == 404
    assert PostmortemTimelineEntry.objects.get(pk=foreign.pk).is_starred is False


def test_an_added_entry_must_belong_to_a_covered_incident(api_as, postmortem, author, restricted_resolved):
    response = api_as(author).post(
        f"/api/v1/postmortems/{postmortem.pk}/timeline/",
        {"occurred_at": "2026-01-01T10:00:00Z", "text": "x", "incident": restricted_resolved.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "incident" in response.json()


def test_the_timeline_of_a_published_postmortem_is_frozen(postmortem, author, reviewer):
    make_publishable(postmortem, author)
    services.postmortem_submit_for_review(postmortem=postmortem, actor=author)
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    entry = postmortem.timeline_entries.first()
    with pytest.raises(ConflictError):
        services.timeline_entry_update(entry=entry, actor=author, data={"is_starred": True})
    assert PostmortemTimelineEntry.objects.get(pk=entry.pk).is_starred is False
