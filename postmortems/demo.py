"""Demo post-mortems for ``seed_demo``: published, in review and draft, with whys,
contributing factors and action items in every status (some overdue).

Everything is written through the services, backdated to plausible times after
each incident's resolution, so timelines, revisions and the audit trail are
real. Incidents are chosen by a query (resolved or closed, not exercises, not
restricted, newest resolution first); one that already has a post-mortem is
left alone, so a second run creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents.choices import IncidentStatus
from incidents.models import Incident
from portal.users import User
from postmortems import services
from postmortems.choices import (
    ActionItemKind,
    ActionItemPriority,
    ActionItemStatus,
    PostmortemStatus,
    TimelineAssessment,
)
from postmortems.models import ActionItem, Postmortem, PostmortemTemplate

USERNAMES = ["author", "daniel.novak", "ingrid.larsen", "compliance", "admin"]


@dataclass(frozen=True)
class Plan:
    status: str
    template: str
    owner: str
    reviewer: str
    publisher: str = ""


# Newest resolution first: the freshest incidents are still being written.
PLANS = [
    Plan(PostmortemStatus.DRAFT, "standard", "author", "ingrid.larsen"),
    Plan(PostmortemStatus.DRAFT, "lightweight", "daniel.novak", "author"),
    Plan(PostmortemStatus.IN_REVIEW, "standard", "ingrid.larsen", "daniel.novak"),
    Plan(PostmortemStatus.IN_REVIEW, "security-incident", "author", "ingrid.larsen"),
    Plan(PostmortemStatus.PUBLISHED, "standard", "author", "daniel.novak", publisher="compliance"),
    Plan(
        PostmortemStatus.PUBLISHED, "lightweight", "daniel.novak", "ingrid.larsen", publisher="ingrid.larsen"
    ),
    Plan(PostmortemStatus.PUBLISHED, "standard", "ingrid.larsen", "author", publisher="compliance"),
]
SECURITY_CATEGORIES = {
    "data-breach",
    "phishing",
    "unauthorised-access",
    "malware",
    "ransomware",
    "insider-threat",
}

# category (or "*"): root cause, whys, factors (category, description)
ANALYSES: dict[str, tuple[str, list[str], list[tuple[str, str]]]] = {
    "system-outage": (
        "A release changed a query so that it scanned a whole table under load. Connections were held "
        "for seconds, the pool ran dry and the health checks failed.",
        [
            "Requests failed because the connection pool was exhausted.",
            "Connections were held for seconds by a slow query.",
            "A release introduced a query without a usable index.",
            "The load test data set is far smaller than production, so the plan looked fine.",
            "Nobody owns keeping the load test data representative.",
        ],
        [
            ("change", "The release went to 100% of traffic at once, without a canary stage."),
            ("detection", "The slow-query alert has a 15-minute window, longer than the outage build-up."),
            ("capacity", "The pool size had not been revisited since traffic doubled."),
        ],
    ),
    "third-party-outage": (
        "Our provider's regional outage hit the only region we were configured to use; the failover "
        "path existed but had never been exercised and needed a manual DNS change.",
        [
            "Calls failed because the provider's region was down.",
            "We had no active second region configured.",
            "The failover runbook needs a manual DNS change that takes 30 minutes to propagate.",
            "Failover was never rehearsed, so nobody knew the DNS TTL was still one hour.",
        ],
        [
            ("dependency", "A single region of a single provider carries all traffic."),
            ("process", "The failover runbook has not been rehearsed since it was written."),
            ("communication", "The status page was updated 40 minutes after the first customer reports."),
        ],
    ),
    "data-breach": (
        "An export endpoint checked that the caller was signed in but not that the requested account "
        "belonged to them; sequential identifiers made other customers' records easy to enumerate.",
        [
            "Records of other customers were downloaded.",
            "The endpoint did not check that the account belonged to the caller.",
            "The authorisation check lives in each handler instead of one shared layer.",
            "The security review checklist does not cover object-level authorisation.",
        ],
        [
            ("design", "Object-level authorisation is implemented per endpoint, not centrally."),
            ("detection", "No alert on a single session reading thousands of distinct accounts."),
            ("process", "Code review did not include a security reviewer for a data export change."),
        ],
    ),
    "phishing": (
        "The message came from a look-alike domain registered two days earlier. The mail filter scores "
        "new domains neutrally, and the sign-in page accepted passwords without phishing-resistant MFA.",
        [
            "Staff entered their passwords on a fake sign-in page.",
            "The email reached their inboxes although it came from a two-day-old look-alike domain.",
            "The mail filter does not penalise newly registered domains.",
            "The filter rules were tuned for spam volume, not for targeted phishing.",
        ],
        [
            ("detection", "Reports from staff came in before any automated signal."),
            ("design", "Password plus push MFA is open to real-time relay; FIDO2 keys are not yet required."),
            ("external", "A targeted campaign using our branding and a look-alike domain."),
        ],
    ),
    "ddos": (
        "The attack targeted an uncached search endpoint; each request cost a database query, so a "
        "modest request rate exhausted the backend before the edge protection reacted.",
        [
            "The service slowed down and then failed under attack traffic.",
            "Each attack request reached the database through the uncached search endpoint.",
            "The edge rate limits apply per IP address, and the botnet spread its requests thinly.",
            "Rate limits were designed before the search endpoint existed.",
        ],
        [
            ("capacity", "The search endpoint has no per-client budget."),
            ("dependency", "The scrubbing service needed a manual activation at the upstream provider."),
            ("external", "A botnet attack following an extortion email."),
        ],
    ),
    "*": (
        "A combination of a latent weakness and an everyday change: neither alone would have caused the "
        "incident, and nothing in the system made the interaction visible beforehand.",
        [
            "The service degraded when the change met the latent weakness.",
            "The weakness had been there for months without causing trouble.",
            "Our checks test each change on its own, not its interaction with the running system.",
        ],
        [
            ("change", "The change was routine and went through the normal pipeline."),
            ("detection", "The first signal came from customers rather than from our monitoring."),
        ],
    ),
}


def _body(key: str, incident: Incident, root_cause: str) -> str:
    service = ", ".join(service.name for service in incident.services.all()) or "the affected service"
    texts = {
        "summary": f"{incident.title}. {incident.summary} The response team restored service and "
        f"confirmed the impact; this document explains why it happened and what we change.",
        "impact": f"{incident.impact or 'Customers of ' + service + ' were affected.'}\n\n"
        f"- Severity {incident.severity.name}\n- Services: {service}",
        "timeline": "The key moments are starred in the timeline below. Detection came from monitoring; "
        "the first mitigation was a rollback, the lasting fix followed within the hour.",
        "root_cause": root_cause,
        "cause": root_cause,
        "contributing_factors": "See the categorised factors below.",
        "what_went_well": "- The on-call engineer was paged within minutes.\n"
        "- The rollback procedure worked as documented.\n- Customer support had a holding statement early.",
        "what_went_poorly": "- The first alert did not point at the failing component.\n"
        "- Two teams investigated the same hypothesis in parallel without knowing it.",
        "where_we_got_lucky": "The incident started outside peak hours; at peak the impact would have been "
        "several times larger.",
        "lessons_learned": "Our safeguards test changes in isolation. The action items add checks that "
        "exercise the change against production-like conditions, and alerts that name the component.",
        "actions": "Tracked as action items below.",
        "staff_performance": "Procedures were followed; the playbook lacked a step for preserving logs "
        "before rotation, which the team improvised.",
        "do_differently": "Preserve evidence first, then contain; involve the DPO at triage, not at containment.",
        "corrective_actions": "Tracked as action items below.",
    }
    return texts.get(key, "")


def _when(base: datetime, days: float, now: datetime) -> datetime:
    return min(base + timedelta(days=days), now - timedelta(minutes=5))


# category (or "*"): five action items (title, kind, priority, owner or reviewer, due in days, description).
# The five fill the same slots in every set (see _add_items): one done, one due soon, one later,
# one overdue and being mitigated, one that will not be done. "{service}" is the incident's first service.
Spec = tuple[str, str, str, str, int, str]
ACTION_ITEMS: dict[str, list[Spec]] = {
    "system-outage": [
        (
            "Load-test {service} with a production-sized data set before each release",
            ActionItemKind.PREVENT,
            ActionItemPriority.HIGH,
            "owner",
            -9,
            "The slow query passed the load test because the data set was tiny.",
        ),
        (
            "Alert on connection-pool saturation of {service}",
            ActionItemKind.DETECT,
            ActionItemPriority.HIGH,
            "other",
            2,
            "Page the on-call engineer at 80% for five minutes, naming the pool.",
        ),
        (
            "Roll out releases of {service} through a canary stage",
            ActionItemKind.PROCESS,
            ActionItemPriority.MEDIUM,
            "owner",
            30,
            "5% of traffic for 15 minutes, with automatic rollback on error budget burn.",
        ),
        (
            "Set a statement timeout on every database role of {service}",
            ActionItemKind.MITIGATE,
            ActionItemPriority.CRITICAL,
            "other",
            -4,
            "A runaway query must not hold a connection for minutes.",
        ),
        (
            "Move {service} to a different database engine",
            ActionItemKind.OTHER,
            ActionItemPriority.LOW,
            "owner",
            90,
            "Raised in the meeting; to be weighed against the targeted fixes.",
        ),
    ],
    "third-party-outage": [
        (
            "Keep a warm second region for {service}",
            ActionItemKind.PREVENT,
            ActionItemPriority.HIGH,
            "owner",
            -9,
            "Active-passive, with data replicated and health-checked every minute.",
        ),
        (
            "Monitor the provider's status API and page on a regional incident",
            ActionItemKind.DETECT,
            ActionItemPriority.HIGH,
            "other",
            2,
            "We learned about the outage from customers, not from the provider.",
        ),
        (
            "Rehearse the failover runbook of {service} every quarter",
            ActionItemKind.PROCESS,
            ActionItemPriority.MEDIUM,
            "owner",
            30,
            "Timed, with the DNS change included; results in the runbook.",
        ),
        (
            "Lower the DNS TTL of {service} to five minutes",
            ActionItemKind.MITIGATE,
            ActionItemPriority.CRITICAL,
            "other",
            -4,
            "A one-hour TTL made the failover take an hour after it was decided.",
        ),
        (
            "Replace the provider with an in-house service",
            ActionItemKind.OTHER,
            ActionItemPriority.LOW,
            "owner",
            90,
            "Raised in the meeting; cost and effort out of proportion to the risk.",
        ),
    ],
    "data-breach": [
        (
            "Enforce object-level authorisation in one shared layer for {service}",
            ActionItemKind.PREVENT,
            ActionItemPriority.CRITICAL,
            "owner",
            -9,
            "Handlers no longer check ownership themselves.",
        ),
        (
            "Alert when one session reads more than 200 distinct accounts",
            ActionItemKind.DETECT,
            ActionItemPriority.HIGH,
            "other",
            2,
            "Feeds the security on-call queue, with the session and the client.",
        ),
        (
            "Add object-level authorisation to the security review checklist",
            ActionItemKind.PROCESS,
            ActionItemPriority.MEDIUM,
            "owner",
            30,
            "Every change to an export or download endpoint gets a security reviewer.",
        ),
        (
            "Replace sequential account identifiers in the URLs of {service}",
            ActionItemKind.MITIGATE,
            ActionItemPriority.HIGH,
            "other",
            -4,
            "Random identifiers make enumeration impractical while the fix rolls out.",
        ),
        (
            "Encrypt every export file with a per-customer key",
            ActionItemKind.OTHER,
            ActionItemPriority.LOW,
            "owner",
            90,
            "Proposed as defence in depth; the authorisation fix addresses the cause.",
        ),
    ],
    "phishing": [
        (
            "Require FIDO2 security keys for staff sign-in",
            ActionItemKind.PREVENT,
            ActionItemPriority.CRITICAL,
            "owner",
            -9,
            "Push MFA can be relayed in real time; hardware keys cannot.",
        ),
        (
            "Quarantine mail from domains registered in the last 30 days",
            ActionItemKind.DETECT,
            ActionItemPriority.HIGH,
            "other",
            2,
            "With a banner and a one-click release for false positives.",
        ),
        (
            "Run a targeted phishing exercise for finance and support",
            ActionItemKind.PROCESS,
            ActionItemPriority.MEDIUM,
            "owner",
            30,
            "The two teams whose inboxes received the campaign.",
        ),
        (
            "Add a 'report phishing' button that opens a security ticket",
            ActionItemKind.MITIGATE,
            ActionItemPriority.HIGH,
            "other",
            -4,
            "Staff reports came first; make them reach security in seconds.",
        ),
        (
            "Block all external mail with links for new starters",
            ActionItemKind.OTHER,
            ActionItemPriority.LOW,
            "owner",
            90,
            "Considered; too disruptive for the benefit.",
        ),
    ],
    "ddos": [
        (
            "Cache the search results of {service} at the edge",
            ActionItemKind.PREVENT,
            ActionItemPriority.HIGH,
            "owner",
            -9,
            "Attack requests must not each cost a database query.",
        ),
        (
            "Alert on request-rate anomalies per endpoint of {service}",
            ActionItemKind.DETECT,
            ActionItemPriority.HIGH,
            "other",
            2,
            "Per endpoint, so that a thin spread across IPs still shows.",
        ),
        (
            "Agree automatic scrubbing activation with the upstream provider",
            ActionItemKind.PROCESS,
            ActionItemPriority.MEDIUM,
            "owner",
            30,
            "Manual activation cost us 25 minutes.",
        ),
        (
            "Give the search endpoint of {service} a per-client request budget",
            ActionItemKind.MITIGATE,
            ActionItemPriority.CRITICAL,
            "other",
            -4,
            "Token bucket per client and per API key.",
        ),
        (
            "Pay for an always-on scrubbing contract",
            ActionItemKind.OTHER,
            ActionItemPriority.LOW,
            "owner",
            90,
            "Quoted at three times the current contract; automatic activation is enough.",
        ),
    ],
    "unauthorised-access": [
        (
            "Remove standing admin rights on {service}; grant them just in time",
            ActionItemKind.PREVENT,
            ActionItemPriority.CRITICAL,
            "owner",
            -9,
            "Time-boxed, approved elevation with a ticket reference.",
        ),
        (
            "Alert on admin sign-ins from new countries or devices",
            ActionItemKind.DETECT,
            ActionItemPriority.HIGH,
            "other",
            2,
            "The login came from a country no administrator works from.",
        ),
        (
            "Review admin accounts of {service} every month",
            ActionItemKind.PROCESS,
            ActionItemPriority.MEDIUM,
            "owner",
            30,
            "Leavers' accounts were still active after six weeks.",
        ),
        (
            "Rotate every credential the admin account could read",
            ActionItemKind.MITIGATE,
            ActionItemPriority.CRITICAL,
            "other",
            -4,
            "API keys and database passwords first, then service accounts.",
        ),
        (
            "Disable remote administration entirely",
            ActionItemKind.OTHER,
            ActionItemPriority.LOW,
            "owner",
            90,
            "Not workable for the on-call rota; just-in-time access covers the risk.",
        ),
    ],
    "*": [
        (
            "Add a pre-production check that reproduces production conditions for {service}",
            ActionItemKind.PREVENT,
            ActionItemPriority.HIGH,
            "owner",
            -9,
            "The change and the latent weakness only met in production.",
        ),
        (
            "Alert on the failing component of {service}, not only on the symptom",
            ActionItemKind.DETECT,
            ActionItemPriority.HIGH,
            "other",
            2,
            "Customers noticed before our monitoring did.",
        ),
        (
            "Rehearse the rollback of {service} every quarter",
            ActionItemKind.PROCESS,
            ActionItemPriority.MEDIUM,
            "owner",
            30,
            "Timed, with the results kept in the runbook.",
        ),
        (
            "Add a kill switch for the change's feature flag",
            ActionItemKind.MITIGATE,
            ActionItemPriority.CRITICAL,
            "other",
            -4,
            "Turning the change off must not need a deploy.",
        ),
        (
            "Rewrite {service} in another language",
            ActionItemKind.OTHER,
            ActionItemPriority.LOW,
            "owner",
            90,
            "Raised in the meeting; out of proportion to the cause.",
        ),
    ],
}


def _add_items(
    postmortem: Postmortem, plan: Plan, users: dict[str, Any], today: date, at: datetime
) -> list[ActionItem]:
    owner, other = users[plan.owner], users[plan.reviewer]
    incident = postmortem.incidents.select_related("category").prefetch_related("services").first()
    category = incident.category.slug if incident else "*"
    fallback = "the affected service"
    service = next((s.name for s in incident.services.all()), fallback) if incident else fallback
    # The category's own set, unless an earlier post-mortem used it: then the general one, then the
    # others in turn, so that no two demo post-mortems list the same action items.
    order = [key for key in (category, "*") if key in ACTION_ITEMS]
    order += sorted(key for key in ACTION_ITEMS if key not in order)
    used = set(ActionItem.objects.exclude(postmortem=postmortem).values_list("title", flat=True))
    chosen = next(
        (
            ACTION_ITEMS[key]
            for key in order
            if not {spec[0].format(service=service) for spec in ACTION_ITEMS[key]} & used
        ),
        ACTION_ITEMS[order[0]],
    )
    specs = [
        (
            title.format(service=service),
            kind,
            priority,
            owner if who == "owner" else other,
            today + timedelta(days=days),
            description,
        )
        for title, kind, priority, who, days, description in chosen
    ]
    items = [
        services.action_item_create(
            actor=owner,
            postmortem=postmortem,
            title=title,
            kind=kind,
            priority=priority,
            owner=person,
            due_date=due,
            description=description,
            external_url=f"https://tracker.example.com/browse/OPS-{postmortem.pk * 10 + number}",
        )
        for number, (title, kind, priority, person, due, description) in enumerate(specs, start=1)
    ]
    if plan.status == PostmortemStatus.PUBLISHED:
        done, in_progress, _, mitigate, other_item = items
        services.action_item_start(item=done, actor=_owner(done), at=at)
        services.action_item_complete(
            item=done,
            actor=_owner(done),
            at=at,
            verification="Load test with production-sized data fails on the old query and passes on the fix.",
        )
        services.action_item_start(item=in_progress, actor=_owner(in_progress), at=at)  # due soon
        services.action_item_start(item=mitigate, actor=_owner(mitigate), at=at)  # overdue, in progress
        services.action_item_wont_do(
            item=other_item,
            actor=owner,
            at=at,
            reason="Out of proportion; the targeted fixes address the cause.",
        )
    elif plan.status == PostmortemStatus.IN_REVIEW:
        services.action_item_start(item=items[0], actor=_owner(items[0]), at=at)  # overdue, in progress
    return items


def _seed_one(incident: Incident, plan: Plan, users: dict[str, Any], now: datetime) -> Postmortem:
    today = timezone.localdate(now)
    template_slug = "security-incident" if incident.category.slug in SECURITY_CATEGORIES else plan.template
    template = PostmortemTemplate.objects.get(slug=template_slug)
    owner = users[plan.owner]
    resolved = incident.resolved_at or now
    created = _when(resolved, 1, now)
    postmortem = services.postmortem_create(
        actor=owner,
        incidents=[incident],
        template=template,
        title=f"Post-mortem: {incident.title}",
        owner=owner,
        facilitator=users["admin"],
        reviewers=[users[plan.reviewer]],
        at=created,
    )
    root_cause, whys, factors = ANALYSES.get(incident.category.slug, ANALYSES["*"])
    bodies = {section.key: _body(section.key, incident, root_cause) for section in postmortem.sections.all()}
    if plan.status == PostmortemStatus.DRAFT:
        # Drafts are unfinished: one required section still empty, and a phrase the gate flags.
        bodies = {key: body for key, body in bodies.items() if key not in ("lessons_learned", "cause")}
        if "what_went_poorly" in bodies:
            bodies["what_went_poorly"] = (
                "The deploy was a human error: the engineer should have waited for the canary."
            )
    postmortem = services.postmortem_update(
        postmortem=postmortem,
        actor=owner,
        data={
            "sections": bodies,
            "whys": whys,
            "contributing_factors": [{"category": slug, "description": text} for slug, text in factors],
            "customers_affected": 2300 if incident.severity.rank <= 2 else None,
        },
    )
    entries = list(postmortem.timeline_entries.order_by("occurred_at", "id"))
    for index, entry in enumerate(entries[:4]):
        services.timeline_entry_update(
            entry=entry,
            actor=owner,
            data={
                "is_starred": index in (0, 2),
                "assessment": TimelineAssessment.FACT if index != 1 else TimelineAssessment.HYPOTHESIS,
                "annotation": "Confirmed from the monitoring graphs." if index == 0 else "",
            },
        )
    items = _add_items(postmortem, plan, users, today, _when(resolved, 3, now))
    if plan.status == PostmortemStatus.DRAFT:
        services.action_item_update(item=items[-1], actor=owner, data={"due_date": None})
    if plan.status in (PostmortemStatus.IN_REVIEW, PostmortemStatus.PUBLISHED):
        postmortem = services.postmortem_submit_for_review(
            postmortem=postmortem, actor=owner, at=_when(resolved, 4, now)
        )
    if plan.status == PostmortemStatus.PUBLISHED:
        postmortem = services.postmortem_publish(
            postmortem=postmortem,
            actor=users[plan.publisher],
            at=_when(resolved, 6, now),
            note="Reviewed in the weekly post-mortem meeting.",
        )
    return postmortem


def seed_postmortems(*, stdout: TextIO) -> None:
    """Create the demo post-mortems that are missing; report what is there."""
    users = {user.username: user for user in get_user_model().objects.filter(username__in=USERNAMES)}
    missing = [name for name in USERNAMES if name not in users]
    if missing:
        stdout.write(f"Post-mortems: skipped, demo users missing ({', '.join(missing)}).\n")
        return
    candidates = list(
        Incident.objects.filter(
            status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED],
            is_exercise=False,
            is_restricted=False,
            resolved_at__isnull=False,
        )
        .select_related("severity", "category")
        .prefetch_related("services")
        .order_by("-resolved_at", "id")[: len(PLANS)]
    )
    covered = set(Postmortem.objects.filter(incidents__in=candidates).values_list("incidents__pk", flat=True))
    now = timezone.now()
    made = []
    with transaction.atomic():
        for incident, plan in zip(candidates, PLANS, strict=False):
            if incident.pk not in covered:
                made.append(_seed_one(incident, plan, users, now))
    demo = Postmortem.objects.filter(incidents__in=candidates).distinct()
    statuses = {status: demo.filter(status=status).count() for status in PostmortemStatus.values}
    items = ActionItem.objects.filter(postmortem__in=demo)
    overdue = sum(item.is_overdue for item in items)
    by_status = ", ".join(
        f"{items.filter(status=status).count()} {label.lower()}" for status, label in ActionItemStatus.choices
    )
    stdout.write(
        f"Post-mortems: {len(made)} created, {demo.count() - len(made)} already there: "
        + ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in statuses.items())
        + ".\n"
    )
    stdout.write(f"  Action items: {by_status}; {overdue} overdue.\n")


def _owner(item: ActionItem) -> User:
    """The demo gives every item it moves along an owner."""
    assert item.owner is not None
    return item.owner
