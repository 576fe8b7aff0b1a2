"""The demo of ``manage.py seed_demo``: load realistic demo data, idempotently.

Everything is written through the services, so the demo's timelines and audit
trail are real. Each part of the demo is one ``seed_*`` function called from
:func:`seed_demo` with a shared :class:`Demo`; a second run creates nothing new.
All randomness comes from one seeded generator and is drawn before anything
is written, so the demo looks the same on every machine and every day.
The data it draws from is in ``incidents.demo_data``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import OutputWrapper
from django.core.management.color import Style
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from incidents import services as incident_services
from incidents.choices import IncidentAction as Act
from incidents.choices import IncidentStatus as St
from incidents.demo_data import (
    AGE_BUCKETS,
    DEFAULTS,
    DEMO_PASSWORD,
    EXERCISES,
    MORE_USERS,
    OLDER_STATUSES,
    PATHS,
    RECENT_STATUSES,
    RESPONDERS,
    ROLE_USERS,
    SEED,
    SERVICES,
    STEP_MINUTES,
    STORIES,
    WRITERS,
    Story,
)
from incidents.models import Category, Incident, IncidentRole, Service, Severity, TimelineEvent
from portal.models import AuditEvent
from portal.pdf import html_to_pdf


class Spec(NamedTuple):
    """What is decided about an incident before its times are drawn."""

    title: str
    category: str
    services: list[str]
    age_days: float
    status: str
    rank: int = 0  # 0: drawn from the story's severity weights
    exercise: bool = False


class Step(NamedTuple):
    after: timedelta  # time since detection
    action: str  # "" for a note
    text: str
    actor: str


@dataclass
class Plan:
    spec: Spec
    severity: int
    summary: str
    impact: str
    reporter: str
    occurred_at: datetime
    detected_at: datetime
    aware_at: datetime | None
    declared_at: datetime
    is_restricted: bool
    roles: list[tuple[str, str]]  # (incident role slug, username), the commander first
    steps: list[Step]  # transitions and notes, in time order


@dataclass
class Demo:
    """What the parts of the demo share; later parts can use what earlier ones made."""

    rng: random.Random
    now: datetime
    users: dict[str, Any] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the summary printed at the end
    created: int = 0


# --- reference data, users and services ----------------------------------------------------------------


def seed_reference_data(demo: Demo) -> None:
    """The migration creates severities, categories and incident roles; recreate any that are missing."""
    made = 0
    for name, rank, description, colour, ack, resolve in DEFAULTS.SEVERITIES:
        targets = {"acknowledge_target_minutes": ack, "resolve_target_minutes": resolve}
        defaults = {"name": name, "description": description, "colour": colour, **targets}
        made += Severity.objects.get_or_create(rank=rank, defaults=defaults)[1]
    for name, slug, description in DEFAULTS.CATEGORIES:
        defaults = {"name": name, "description": description}
        made += Category.objects.get_or_create(slug=slug, defaults=defaults)[1]
    for name, slug, description, order in DEFAULTS.ROLES:
        defaults = {"name": name, "description": description, "order": order}
        made += IncidentRole.objects.get_or_create(slug=slug, defaults=defaults)[1]
    demo.created += made
    demo.lines.append(f"Severities, categories and incident roles: {made} missing ones created.")


def seed_users(demo: Demo) -> None:
    password_hash = ""  # what set_password stores; hashing is slow, so once for all
    made = 0
    for username, first, last, role in ROLE_USERS + MORE_USERS:
        is_admin = username == "admin"
        defaults: dict[str, Any] = {"first_name": first, "last_name": last, "email": f"{first}.{last}@example.com".lower()}
        defaults |= {"is_staff": is_admin, "is_superuser": is_admin}
        user, created = get_user_model().objects.get_or_create(username=username, defaults=defaults)
        if created:
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            user.password = password_hash
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            made += 1
        demo.users[username] = user
    demo.created += made
    demo.lines.append(f"Users: {made} created, {len(demo.users) - made} already there.")


def seed_services(demo: Demo) -> None:
    made = 0
    for key, (name, owner, tier, description) in SERVICES.items():
        defaults = {"owner": owner, "tier": tier, "description": description}
        demo.services[key], created = Service.objects.get_or_create(name=name, defaults=defaults)
        made += created
    demo.created += made
    demo.lines.append(f"Services: {made} created, {len(SERVICES) - made} already there.")


# --- incidents: planning (every random draw happens here) ----------------------------------------------


def _minutes(rng: random.Random, bounds: tuple[float, float]) -> timedelta:
    return timedelta(minutes=rng.uniform(*bounds))


def _older_status(rng: random.Random, age_days: float) -> str:
    if rng.random() < 0.04:
        return St.DECLINED
    weights = next(w for limit, w in OLDER_STATUSES if age_days > limit)
    return rng.choices(list(PATHS), weights=weights)[0]


def _path(rng: random.Random, spec: Spec) -> list[str]:
    if spec.status == St.DECLINED:
        return [Act.DECLINE] if rng.random() < 0.6 else [Act.ACKNOWLEDGE, Act.DECLINE]
    path = list(PATHS[spec.status])
    if Act.RESOLVE in path and not spec.exercise and rng.random() < 0.05:  # the fix failed: reopened
        at = path.index(Act.RESOLVE) + 1
        path[at:at] = [Act.REOPEN, Act.CONTAIN, Act.RESOLVE]
    return path


def _team(rng: random.Random, rank: int, story: Story) -> list[tuple[str, str]]:
    commander = rng.choice(RESPONDERS)
    team = [("incident-commander", commander)]
    if rng.random() < 0.75:
        team.append(("technical-lead", rng.choice([u for u in RESPONDERS if u != commander])))
    if rank <= 2 or rng.random() < 0.4:
        team.append(("communications-lead", rng.choice([u for u in WRITERS if u != commander])))
    if rng.random() < 0.7:
        taken = [user for _, user in team]
        team.append(("scribe", rng.choice([u for u in WRITERS + RESPONDERS if u not in taken])))
    if story.aware >= 1.0:
        team.append(("compliance-liaison", "compliance"))
    return team


def _transitions(rng: random.Random, spec: Spec, rank: int, team: list[str]) -> tuple[timedelta, list[Step]]:
    """When the incident was declared and when each transition happened, as times since detection."""
    story = STORIES[spec.category]
    declared = offset = _minutes(rng, (1, 10 if rank <= 2 else 45))
    slow = rng.uniform(1.5, 3.0) if rng.random() < 0.12 else 1.0  # some incidents miss their targets
    pace = 1.0 if spec.exercise else story.pace * slow
    steps: list[Step] = []
    for action in _path(rng, spec):
        working = action in (Act.CONTAIN, Act.RESOLVE)
        offset += _minutes(rng, STEP_MINUTES[action][rank - 1]) * (pace if working else slow)
        kind = "exercise-step" if spec.exercise and working else str(action)
        if action == Act.CONTAIN and any(step.action == Act.REOPEN for step in steps):
            kind = "contain-again"
        actor = rng.choice(team[:2]) if working else team[0]
        steps.append(Step(offset, action, story.text(rng, kind), actor))
    return declared, steps


def _notes(
    rng: random.Random, pool: list[str], team: list[str], start: timedelta, end: timedelta
) -> list[Step]:
    """Two to six notes of ``pool``, in their order, between ``start`` and ``end``."""
    picks = sorted(rng.sample(range(len(pool)), k=min(len(pool), rng.randint(2, 6))))
    spots = sorted(rng.uniform(0.05, 0.95) for _ in picks)
    return [
        Step(start + (end - start) * at, "", pool[i], rng.choice(team))
        for i, at in zip(picks, spots, strict=True)
    ]


def _plan(demo: Demo, spec: Spec) -> Plan:
    rng, story = demo.rng, STORIES[spec.category]
    rank = spec.rank or rng.choices([1, 2, 3, 4], weights=story.severity_weights)[0]
    roles = _team(rng, rank, story)
    team = [user for _, user in roles]
    declared, steps = _transitions(rng, spec, rank, team)
    last = steps[-1].after if steps else declared
    age = max(timedelta(days=spec.age_days), last + _minutes(rng, (5, 90)))
    if spec.status == St.REPORTED:  # declared a moment ago, within the acknowledge target
        age = declared + _minutes(rng, (3, 0.9 * DEFAULTS.SEVERITIES[rank - 1][4]))
    if spec.status in (St.RESOLVED, St.CLOSED, St.DECLINED):  # notes while the response was running
        notes_end = next(step.after for step in steps if step.action in (Act.RESOLVE, Act.DECLINE))
    else:
        notes_end = age - timedelta(minutes=1)
    kind = "exercise" if spec.exercise else "triage" if spec.status in (St.REPORTED, St.DECLINED) else "note"
    steps = sorted(steps + _notes(rng, story.texts[kind], team, declared, notes_end))
    detected = demo.now - age
    aware = detected + min(_minutes(rng, (10, 2160)), notes_end) if rng.random() < story.aware else None
    fill = {"service": demo.services[spec.services[0]].name, "count": rng.choice([140, 860, 2300, 15400])}
    summary, impact = (story.text(rng, kind).format(**fill) for kind in ("summary", "impact"))
    if spec.exercise:
        summary = f"Planned exercise; the impact is simulated. Scenario: {spec.title.split(': ', 1)[1]}."
        impact = "None: exercise."
    return Plan(
        spec=spec,
        severity=rank,
        summary=summary,
        impact=impact,
        reporter=rng.choice(RESPONDERS),
        occurred_at=detected - _minutes(rng, story.occurred_minutes),
        detected_at=detected,
        aware_at=aware,
        declared_at=detected + declared,
        is_restricted=not spec.exercise and rng.random() < story.restricted,
        roles=roles,
        steps=steps,
    )


def _specs(rng: random.Random) -> list[Spec]:
    """Titles, categories, services, ages and statuses: the newest incidents first, then the exercises."""
    slugs = [slug for slug, story in STORIES.items() for _ in range(story.count)]
    rng.shuffle(slugs)
    ages = [rng.uniform(low, high) for size, low, high in AGE_BUCKETS for _ in range(size)][: len(slugs)]
    statuses = RECENT_STATUSES + [_older_status(rng, age) for age in ages[len(RECENT_STATUSES) :]]
    specs, titles = [], set()
    for slug, age, status in zip(slugs, ages, statuses, strict=True):
        story, title, keys = STORIES[slug], "", []
        while not title or title in titles:  # titles identify the demo incidents: keep them unique
            keys = rng.sample(story.services, k=rng.choice([1, 1, 1, 2]))
            title = story.text(rng, "title").format(service=SERVICES[keys[0]][0])
            title = title[0].upper() + title[1:]
        titles.add(title)
        specs.append(Spec(title, slug, keys, age, status))
    for title, slug, rank, key_text in EXERCISES:
        age = rng.uniform(5, 340)
        status = St.CLOSED if age > 14 else St.RESOLVED
        specs.append(Spec(title, slug, key_text.split(), age, status, rank, exercise=True))
    return specs


# --- incidents: writing (through the services) ---------------------------------------------------------


def _create(demo: Demo, plan: Plan, lookups: dict[str, dict[Any, Any]]) -> Incident:
    users, spec = demo.users, plan.spec
    incident = incident_services.incident_create(
        actor=users[plan.reporter],
        title=spec.title,
        severity=lookups["severity"][plan.severity],
        category=lookups["category"][spec.category],
        summary=plan.summary,
        impact=plan.impact,
        services=[demo.services[key] for key in spec.services],
        occurred_at=plan.occurred_at,
        detected_at=plan.detected_at,
        aware_at=plan.aware_at,
        is_restricted=plan.is_restricted,
        is_exercise=spec.exercise,
        declared_at=plan.declared_at,
    )
    commander = plan.roles[0][1]
    for slug, username in plan.roles:
        actor = users[plan.reporter if username == commander else commander]
        role = lookups["role"][slug]
        incident_services.incident_assign_role(
            incident=incident, role=role, user=users[username], actor=actor, at=plan.declared_at
        )
    for step in plan.steps:
        at, actor = plan.detected_at + step.after, users[step.actor]
        if step.action:
            incident = incident_services.incident_transition(
                incident=incident, action=step.action, actor=actor, note=step.text, at=at
            )
        else:
            incident_services.incident_add_note(
                incident=incident, actor=actor, text=step.text, occurred_at=at
            )
    return incident


def seed_incidents(demo: Demo) -> None:
    """Demo incidents are recognised by their titles; missing ones are created, oldest first."""
    plans = sorted((_plan(demo, spec) for spec in _specs(demo.rng)), key=lambda plan: plan.declared_at)
    titles = [plan.spec.title for plan in plans]
    existing = set(Incident.objects.filter(title__in=titles).values_list("title", flat=True))
    lookups: dict[str, dict[Any, Any]] = {
        "severity": {severity.rank: severity for severity in Severity.objects.all()},
        "category": {category.slug: category for category in Category.objects.all()},
        "role": {role.slug: role for role in IncidentRole.objects.all()},
    }
    made = [_create(demo, plan, lookups) for plan in plans if plan.spec.title not in existing]
    demo.created += len(made)
    demo.incidents = list(Incident.objects.filter(title__in=titles))
    statuses = Counter(incident.status for incident in demo.incidents)
    restricted = sum(incident.is_restricted for incident in demo.incidents)
    exercises = sum(incident.is_exercise for incident in demo.incidents)
    events = TimelineEvent.objects.filter(incident__in=demo.incidents).count()
    demo.lines += [
        f"Incidents: {len(made)} created, {len(plans) - len(made)} already there: "
        + ", ".join(f"{statuses[status]} {status}" for status in St.values),
        f"  {restricted} restricted, {exercises} exercises, {events} timeline events.",
    ]


def seed_demo(stdout: OutputWrapper, style: Style) -> None:
    """Seed the incidents part, then every app's ``demo_seeder``; print what was done."""
    demo = Demo(rng=random.Random(SEED), now=timezone.now())  # noqa: S311 - demo data, not secrets
    # Query logging (on with DEBUG) doubles the run time on SQLite, and nothing here reads it.
    with override_settings(DEBUG=False), transaction.atomic():
        for part in (seed_reference_data, seed_users, seed_services, seed_incidents):
            part(demo)
    for line in demo.lines:
        stdout.write(line)
    # Other apps add their part of the demo (response plan, compliance, post-mortems)
    # through a `demo_seeder` on their AppConfig, so that incidents depends on none of them.
    # The demo submits dozens of regulator reports, each rendered to PDF in a forked child:
    # rendering one page here first lets every child inherit WeasyPrint and its loaded fonts
    # (about 0.05 s a PDF instead of 0.5-2 s), which keeps `make run` fast.
    html_to_pdf("<p>Demo</p>")
    with override_settings(DEBUG=False):
        for config in apps.get_app_configs():
            seeder = getattr(config, "demo_seeder", None)
            if seeder:
                import_string(seeder)(stdout=stdout)
    stdout.write(f"Audit trail: {AuditEvent.objects.count()} events.")
    if not demo.created:
        stdout.write("The demo data is already there: nothing new was created.")
    logins = ", ".join(f"{username} ({role})" for username, _, _, role in ROLE_USERS)
    stdout.write(style.SUCCESS(f"Demo logins (password '{DEMO_PASSWORD}'): {logins}."))
    others = ", ".join(username for username, *_ in MORE_USERS)
    stdout.write(f"More responders and post-mortem authors (same password): {others}.")
