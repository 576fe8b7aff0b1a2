"""Obligations: computed by the regime engine from the incident's facts, then
decided by people (not required, reopened)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compliance.choices import ObligationStatus
from compliance.facts import engine_facts
from compliance.models import Assessment, Obligation, ObligationDueChange
from compliance.regimes import Obligation as Computed
from compliance.regimes import assess
from compliance.selectors import custom_regime_specs
from compliance.services.common import local_time as _local
from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident
from incidents.services import timeline_record
from portal.audit import audit_record
from portal.errors import TransitionNotAllowed
from portal.users import User

_ENGINE_FIELDS = ("regime", "recipient", "rule", "basis", "urgent", "provisional")


def _iso(computed: Computed) -> str | None:
    """The due time as the engine renders it (in the deadline zone's offset), for timeline data."""
    due_at: str | None = computed.to_json()["due_at"]
    return due_at


def _withdraw(obligation: Obligation, reason: str, actor: User | None) -> None:
    obligation.status = ObligationStatus.WITHDRAWN
    obligation.status_reason = reason
    obligation.decided_by = None
    obligation.decided_at = timezone.now()
    obligation.save(update_fields=["status", "status_reason", "decided_by", "decided_at", "updated_at"])
    timeline_record(
        obligation.incident,
        kind=TimelineKind.OBLIGATION,
        text=f"Obligation {obligation.code} withdrawn: {reason}",
        actor=actor,
        data={"obligation": obligation.pk, "code": obligation.code},
    )
    audit_record(action="obligation.withdrawn", actor=actor, obj=obligation, changes={"reason": reason})


@transaction.atomic
def obligations_refresh(*, incident: Incident, actor: User | None, reason: str) -> list[Obligation]:
    """Run the engine on the incident's facts and bring its obligations in line.

    New obligations are created; moved due times are recorded with the old
    and new time and the reason; obligations that no longer apply are
    withdrawn, never deleted. Fulfilled and not-required ones are left as decided.
    """
    incident = Incident.objects.get(pk=incident.pk)
    assessment = (
        Assessment.objects.select_related("entity", "incident")
        .prefetch_related("decisions", "entity__custom_regimes")
        .filter(incident=incident)
        .first()
    )
    existing = {
        obligation.code: obligation
        for obligation in Obligation.objects.select_for_update().filter(incident=incident)
    }
    if assessment is None:
        return list(existing.values())
    computed: tuple[Computed, ...] = ()
    reasons: dict[str, str] = {}
    if incident.is_exercise:
        why = "exercises never start regulatory clocks"
    elif incident.status == IncidentStatus.DECLINED:
        why = "the incident was declined (not an incident)"
    else:
        result = assess(engine_facts(assessment), custom_regimes=custom_regime_specs(), explain=True)
        computed = result.obligations
        reasons = {line.regime: "; ".join(line.reasons) for line in result.explanation or ()}
        why = ""
    entity = assessment.entity
    seen: set[str] = set()
    for item in computed:
        code = item.code
        seen.add(code)
        due_at = item.due_at
        values: dict[str, Any] = {field: getattr(item, field) for field in _ENGINE_FIELDS}
        values.update(
            clock_start=item.clock_start,
            required_fields=list(item.required_fields),
            entity=entity,
            deadline_timezone=entity.timezone,
        )
        obligation = existing.get(code)
        if obligation is None:
            obligation = Obligation.objects.create(incident=incident, code=code, due_at=due_at, **values)
            timeline_record(
                incident,
                kind=TimelineKind.OBLIGATION,
                text=(
                    f"Obligation {code}: notify {obligation.recipient} by {_local(due_at, entity.timezone)} "
                    if due_at is not None
                    else f"Obligation {code}: notify {obligation.recipient} without undue delay "
                )
                + f"({obligation.rule}; {obligation.basis}).",
                actor=actor,
                data={"obligation": obligation.pk, "code": code, "due_at": _iso(item)},
            )
            audit_record(
                action="obligation.created",
                actor=actor,
                obj=obligation,
                changes={"due_at": due_at, "reason": reason},
            )
            continue
        update_fields = [field for field, value in values.items() if getattr(obligation, field) != value]
        for field in update_fields:
            setattr(obligation, field, values[field])
        if obligation.status == ObligationStatus.WITHDRAWN:
            obligation.status = ObligationStatus.OPEN
            obligation.status_reason = f"applies again: {reason}"
            update_fields += ["status", "status_reason"]
            timeline_record(
                incident,
                kind=TimelineKind.OBLIGATION,
                text=f"Obligation {code} applies again ({reason}).",
                actor=actor,
                data={"obligation": obligation.pk, "code": code},
            )
        if obligation.due_at != due_at:
            ObligationDueChange.objects.create(
                obligation=obligation, old_due_at=obligation.due_at, new_due_at=due_at, reason=reason[:500]
            )
            timeline_record(
                incident,
                kind=TimelineKind.OBLIGATION,
                text=f"Deadline of {code} moved from {_local(obligation.due_at, entity.timezone)} to "
                f"{_local(due_at, entity.timezone)}: {reason}.",
                actor=actor,
                data={
                    "obligation": obligation.pk,
                    "code": code,
                    "old": obligation.due_at and obligation.due_at.isoformat(),
                    "new": _iso(item),
                },
            )
            audit_record(
                action="obligation.due_moved",
                actor=actor,
                obj=obligation,
                changes={"due_at": [obligation.due_at, due_at], "reason": reason},
            )
            obligation.due_at = due_at
            update_fields.append("due_at")
        if update_fields:
            obligation.save(update_fields=[*dict.fromkeys(update_fields), "updated_at"])
    for code, obligation in existing.items():
        if code not in seen and obligation.status == ObligationStatus.OPEN:
            regime_reason = why or reasons.get(obligation.regime, "") or "the regime no longer applies"
            _withdraw(obligation, f"no longer applies ({reason}): {regime_reason}", actor)
    return list(Obligation.objects.filter(incident=incident))


def _obligation_decide(
    *, obligation: Obligation, actor: User, rationale: str, source: str, target: str, verb: str
) -> Obligation:
    """Move an obligation between open and not_required; the rationale is mandatory."""
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": f"Say why the obligation is {verb}: an auditor will ask."})
    obligation = Obligation.objects.select_for_update().select_related("incident").get(pk=obligation.pk)
    if obligation.status != source:
        raise TransitionNotAllowed(
            f"{obligation.code} is {obligation.status}; only {source} obligations can be {verb}."
        )
    obligation.status = target
    obligation.status_reason = rationale
    obligation.decided_by = actor
    obligation.decided_at = timezone.now()
    obligation.save(update_fields=["status", "status_reason", "decided_by", "decided_at", "updated_at"])
    timeline_record(
        obligation.incident,
        kind=TimelineKind.OBLIGATION,
        text=f"Obligation {obligation.code} {verb}: {rationale}",
        actor=actor,
        data={"obligation": obligation.pk, "code": obligation.code},
    )
    action = "obligation.not_required" if target == ObligationStatus.NOT_REQUIRED else "obligation.reopened"
    audit_record(action=action, actor=actor, obj=obligation, changes={"rationale": rationale})
    return obligation


@transaction.atomic
def obligation_mark_not_required(*, obligation: Obligation, actor: User, rationale: str) -> Obligation:
    """A compliance officer decides no notification is needed, and says why."""
    return _obligation_decide(
        obligation=obligation,
        actor=actor,
        rationale=rationale,
        source=ObligationStatus.OPEN,
        target=ObligationStatus.NOT_REQUIRED,
        verb="marked not required",
    )


@transaction.atomic
def obligation_reopen(*, obligation: Obligation, actor: User, rationale: str) -> Obligation:
    """Undo a not-required decision (new information, or a mistake)."""
    return _obligation_decide(
        obligation=obligation,
        actor=actor,
        rationale=rationale,
        source=ObligationStatus.NOT_REQUIRED,
        target=ObligationStatus.OPEN,
        verb="reopened",
    )
