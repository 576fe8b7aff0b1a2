"""A role assignment's ``incident_restricted`` always equals its incident's ``is_restricted``.

The flag decides which restricted incidents a responder sees through their roles (the list, the
API, the KPIs read the partial index of seats on restricted incidents), so it is kept by the
database on every path: a seat created, saved from a stale instance, moved or written directly;
an incident restricted or opened by a save or a queryset update. ``rebuild_kpis`` corrects what
was written while the triggers were lifted (a bulk load).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from incidents import kpi_rollup
from incidents.models import Incident, IncidentRole, RoleAssignment
from incidents.selectors import incidents_visible_to
from portal import roles
from tests.factories import IncidentFactory, RoleAssignmentFactory, UserFactory


def _wrong_flags() -> list[tuple[int, bool, bool]]:
    return [
        (seat.pk, seat.incident_restricted, seat.incident.is_restricted)
        for seat in RoleAssignment.objects.select_related("incident")
        if seat.incident_restricted != seat.incident.is_restricted
    ]


def _pick(model, index: int):
    rows = list(model.objects.order_by("pk"))
    return rows[index % len(rows)] if rows else None


steps = st.lists(
    st.one_of(
        st.tuples(st.just("incident"), st.booleans()),
        st.tuples(st.just("seat"), st.integers(0, 20)),
        st.tuples(st.just("restrict-save"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("restrict-bulk"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("end-stale"), st.integers(0, 20)),
        st.tuples(st.just("move"), st.integers(0, 20), st.integers(0, 20)),
        st.tuples(st.just("forge"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("delete"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=10,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
@example(
    steps=[("incident", True), ("seat", 0), ("restrict-bulk", 0, False), ("end-stale", 0), ("forge", 0, True)]
)
def test_the_seat_flags_equal_their_incidents_after_random_changes(steps):
    with transaction.atomic():
        for step in steps:
            _apply(step)
            assert _wrong_flags() == [], step
        transaction.set_rollback(True)


def _apply(step: tuple) -> None:
    kind = step[0]
    if kind == "incident":
        IncidentFactory(is_restricted=step[1])
    elif kind == "seat" and (incident := _pick(Incident, step[1])):
        # A new holder of the incident's commander seat: the one before hands over.
        RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        RoleAssignmentFactory(incident=incident)
    elif kind == "restrict-save" and (incident := _pick(Incident, step[1])):
        incident.is_restricted = step[2]
        incident.save()
    elif kind == "restrict-bulk" and (incident := _pick(Incident, step[1])):
        Incident.objects.filter(pk__gte=incident.pk).update(is_restricted=step[2])
    elif kind == "end-stale" and (seat := _pick(RoleAssignment, step[1])):
        # The instance was read before any later change of its incident: save() writes every
        # column, the flag included, with what the instance holds.
        seat.ended_at = timezone.now()
        seat.incident_restricted = not seat.incident_restricted
        seat.save()
    elif kind == "move" and (seat := _pick(RoleAssignment, step[1])) and (target := _pick(Incident, step[2])):
        RoleAssignment.objects.filter(pk=seat.pk).update(incident=target, ended_at=timezone.now())
    elif kind == "forge" and (seat := _pick(RoleAssignment, step[1])):
        RoleAssignment.objects.filter(pk=seat.pk).update(incident_restricted=step[2])
    elif kind == "delete" and (incident := _pick(Incident, step[1])):
        incident.delete()


@pytest.mark.django_db
def test_a_responder_sees_a_restricted_incident_through_a_seat_only_while_it_is_current():
    responder = UserFactory(username="seated", role=roles.INCIDENT_RESPONDER)
    incident = IncidentFactory(is_restricted=False)
    seat = RoleAssignmentFactory(incident=incident, user=responder)
    assert RoleAssignment.objects.get(pk=seat.pk).incident_restricted is False

    Incident.objects.filter(pk=incident.pk).update(is_restricted=True)
    assert RoleAssignment.objects.get(pk=seat.pk).incident_restricted is True
    # A user without view_restricted_incident: only the seat makes it visible.
    assert list(incidents_visible_to(responder).values_list("pk", flat=True)) == [incident.pk]

    seat.ended_at = timezone.now()
    seat.save()  # the instance still holds incident_restricted=False from its creation
    assert RoleAssignment.objects.get(pk=seat.pk).incident_restricted is True
    assert list(incidents_visible_to(responder)) == []


@pytest.mark.django_db
def test_rebuild_kpis_corrects_flags_written_while_the_triggers_were_lifted():
    restricted = IncidentFactory(is_restricted=True)
    seats = [RoleAssignmentFactory(incident=restricted, role=role) for role in IncidentRole.objects.all()[:3]]
    kpi_rollup.uninstall_seat_flags(connection)
    try:
        RoleAssignment.objects.filter(pk__in=[s.pk for s in seats[:2]]).update(incident_restricted=False)
    finally:
        kpi_rollup.install_seat_flags(connection)
    assert len(_wrong_flags()) == 2

    out = StringIO()
    call_command("rebuild_kpis", stdout=out)

    assert _wrong_flags() == []
    assert "2 role assignments had a restricted flag that differed from their incident" in out.getvalue()
