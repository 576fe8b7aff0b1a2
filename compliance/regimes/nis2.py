"""NIS2, Directive (EU) 2022/2555 Art. 23(4): early warning, notification, progress, final.

Interpretations (decided by the lead):
* applies to `nis2-essential` / `nis2-important` entities with a `significant`
  incident; `nis2-trust-service-provider` only shortens the notification to 24 h
  and does not by itself bring an entity in scope;
* lex specialis (RULES.md section 2): an entity that also carries a `dora-*`
  designation reports under DORA only, so NIS2 does not apply to it (the
  explanation names DORA, `displaced_by`), unless it carries `nis2-dora-parallel`
  (a Member State requires the NIS2 reports too, DORA Art. 19(1)). The NIS2
  designation still counts for DORA's weekend rule (`dora.py`);
* the final report is due one month after the notification's submission (or,
  provisionally, after its due time). If `handling_ended_at` is known and later
  than that point, the incident was still ongoing then: a progress report is due
  at that point and the final report one month after `handling_ended_at`.
  That final report counts from a recorded fact, not from an earlier report, so it
  is not provisional. If handling had ended by then (or is not recorded), only the
  final report at notification + 1 month.
"""

from __future__ import annotations

from . import designations as d
from .model import Context, ObligationSpec, Regime, RegimeOutcome, designated, not_applicable
from .primitives import after_hours, after_one_month

RECIPIENT = "CSIRT / competent authority"
BASIS = "Directive (EU) 2022/2555"
EARLY_WARNING_HOURS = 24
NOTIFICATION_HOURS = 72
TRUST_SERVICE_NOTIFICATION_HOURS = 24

EARLY_WARNING = ObligationSpec(
    code="NIS2/early-warning",
    regime="NIS2",
    recipient=RECIPIENT,
    basis=f"{BASIS} Art. 23(4)(a)",
    required_fields=("suspected_malicious", "cross_border_impact"),
)
NOTIFICATION = ObligationSpec(
    code="NIS2/notification",
    regime="NIS2",
    recipient=RECIPIENT,
    basis=f"{BASIS} Art. 23(4)(b)",
    required_fields=("initial_assessment", "indicators_of_compromise"),
)
PROGRESS = ObligationSpec(
    code="NIS2/progress",
    regime="NIS2",
    recipient=RECIPIENT,
    basis=f"{BASIS} Art. 23(4)(e)",
    required_fields=("current_status", "detailed_description", "mitigation_measures", "cross_border_impact"),
)
FINAL = ObligationSpec(
    code="NIS2/final",
    regime="NIS2",
    recipient=RECIPIENT,
    basis=f"{BASIS} Art. 23(4)(d), (e)",
    required_fields=("detailed_description", "root_cause", "mitigation_measures", "cross_border_impact"),
)


_NOT_AN_ENTITY = (designated(d.NIS2_ESSENTIAL, d.NIS2_IMPORTANT),)
_SIGNIFICANT = "the incident were decided significant (Art. 23(3))"
_PARALLEL = (
    f"the entity were designated {d.NIS2_DORA_PARALLEL} (its Member State requires the NIS2 reports "
    "beside DORA's, DORA Art. 19(1))"
)


def evaluate(context: Context) -> RegimeOutcome:
    designations = context.facts.entity.designations
    if not (d.NIS2_ESSENTIAL in designations or d.NIS2_IMPORTANT in designations):
        reason = f"The entity is not designated {d.NIS2_ESSENTIAL} or {d.NIS2_IMPORTANT}"
        if d.NIS2_TRUST_SERVICE_PROVIDER in designations:
            reason += f" ({d.NIS2_TRUST_SERVICE_PROVIDER} only shortens the notification deadline)"
        return not_applicable(reason, would_apply_if=_NOT_AN_ENTITY)
    if d.NIS2_DORA_PARALLEL not in designations and not designations.isdisjoint(d.DORA_DESIGNATIONS):
        return _displaced_by_dora(context)
    if not context.facts.significant:
        return not_applicable(
            "The incident is not significant (Art. 23(3)): no NIS2 reporting", would_apply_if=(_SIGNIFICANT,)
        )
    times = context.facts.times
    aware_at = times.aware_at
    zone = context.entity_zone
    is_trust_service_provider = context.has(d.NIS2_TRUST_SERVICE_PROVIDER)
    notification_hours = TRUST_SERVICE_NOTIFICATION_HOURS if is_trust_service_provider else NOTIFICATION_HOURS
    outcome = RegimeOutcome(
        applies=True,
        reasons=[
            "NIS2 entity with a significant incident: early warning within 24 hours, notification within "
            f"{notification_hours} hours" + (" (trust service provider)" if is_trust_service_provider else "")
        ],
    )
    outcome.obligations.append(
        EARLY_WARNING.make(
            context,
            clock_start=aware_at,
            due_at=after_hours(aware_at, EARLY_WARNING_HOURS),
            rule=f"{EARLY_WARNING_HOURS} hours after becoming aware of the significant incident",
        )
    )
    notification_due = after_hours(aware_at, notification_hours)
    notification = NOTIFICATION.make(
        context,
        clock_start=aware_at,
        due_at=notification_due,
        rule=f"{notification_hours} hours after becoming aware of the significant incident"
        + (" (trust service provider)" if is_trust_service_provider else ""),
    )
    outcome.obligations.append(notification)
    base, provisional = context.follow(NOTIFICATION.code, notification_due)
    one_month_after_notification = after_one_month(base, zone)
    base_text = (
        "the notification's due time (provisional until it is submitted)"
        if provisional
        else "the notification was submitted"
    )
    handling_ended_at = times.handling_ended_at
    if handling_ended_at is not None and handling_ended_at > one_month_after_notification:
        outcome.reasons.append(
            "Incident still being handled one month after the notification: progress report then, final "
            "report one month after handling ended"
        )
        outcome.obligations.append(
            PROGRESS.make(
                context,
                clock_start=base,
                due_at=one_month_after_notification,
                rule=f"One month after {base_text}, the incident still being handled then",
                provisional=provisional,
            )
        )
        outcome.obligations.append(
            FINAL.make(
                context,
                clock_start=handling_ended_at,
                due_at=after_one_month(handling_ended_at, zone),
                rule="One month after the handling of the incident ended",
            )
        )
    else:
        if handling_ended_at is None:
            outcome.reasons.append("Handling end not recorded: final report one month after the notification")
        else:
            outcome.reasons.append(
                "Handling had ended by one month after the notification: final report one month after the "
                "notification"
            )
        outcome.obligations.append(
            FINAL.make(
                context,
                clock_start=base,
                due_at=one_month_after_notification,
                rule=f"One month after {base_text}",
                provisional=provisional,
            )
        )
    return outcome


def _displaced_by_dora(context: Context) -> RegimeOutcome:
    """Lex specialis (RULES.md section 2): a DORA financial entity reports ICT incidents under DORA only."""
    designations = context.facts.entity.designations
    dora = ", ".join(sorted(designations & d.DORA_DESIGNATIONS))
    nis2 = ", ".join(sorted(designations & d.NIS2_ENTITIES))
    conditions = [_PARALLEL]
    if not context.facts.significant:
        conditions.append(_SIGNIFICANT)
    return not_applicable(
        f"Displaced by DORA: the entity is a DORA financial entity ({dora}), which reports ICT-related "
        f"incidents under DORA only, so the NIS2 obligations do not apply although it is designated {nis2} "
        "(DORA Art. 1(2); NIS2 Art. 4(1)-(2) and recital 28)",
        would_apply_if=(" and ".join(conditions),),
        displaced_by="DORA",
    )


REGIME = Regime(
    code="NIS2",
    name="NIS2 Directive",
    enabled=True,
    specs=(EARLY_WARNING, NOTIFICATION, PROGRESS, FINAL),
    evaluate=evaluate,
    scope=d.NIS2_ENTITIES,
)
