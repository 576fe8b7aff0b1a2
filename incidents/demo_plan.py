"""The demo's response plan: teams, playbooks, stakeholder templates, communications and exercises.

``seed_response_plan`` is called by ``manage.py seed_demo`` after the demo
users and incidents exist. Everything goes through the services (so the
audit trail and timelines are real) and is recognised by name on a second
run, which then creates nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.choices import OPEN_STATUSES, Audience, Channel, ExerciseType, IncidentStatus
from incidents.models import (
    Category,
    Communication,
    Exercise,
    Incident,
    IncidentRole,
    Playbook,
    RoleAssignment,
    Severity,
    StakeholderTemplate,
    Team,
    TeamType,
)

# name, type slug, email, phone, description,
# members: username -> roles they can hold, covers: role -> (primary, deputy), escalation contacts
TEAMS: list[dict[str, Any]] = [
    {
        "name": "CSIRT",
        "team_type": "csirt",
        "email": "csirt@example.com",
        "phone": "+44 20 7946 0100",
        "description": "Computer security incident response team: security incidents and data breaches.",
        "members": {
            "responder": ["incident-commander", "technical-lead"],
            "sofia.rossi": ["incident-commander", "technical-lead"],
            "james.okafor": ["technical-lead", "scribe"],
            "mei.chen": ["scribe", "communications-lead"],
            "priya.nair": ["communications-lead"],
            "compliance": ["compliance-liaison"],
        },
        "covers": {
            "incident-commander": ("responder", "sofia.rossi"),
            "technical-lead": ("james.okafor", "sofia.rossi"),
            "communications-lead": ("priya.nair", "mei.chen"),
            "scribe": ("mei.chen", "james.okafor"),
            "compliance-liaison": ("compliance", None),
        },
        "contacts": [
            ("Chief Information Security Officer", "CISO", "ciso@example.com", "+44 20 7946 0001"),
            ("Data Protection Officer", "DPO", "dpo@example.com", "+44 20 7946 0002"),
        ],
    },
    {
        "name": "IT Operations",
        "team_type": "central",
        "email": "itops@example.com",
        "phone": "+44 20 7946 0200",
        "description": "Runs the platforms; responds to outages of our systems and of our suppliers.",
        "members": {
            "lukas.becker": ["incident-commander", "technical-lead"],
            "james.okafor": ["incident-commander", "technical-lead"],
            "priya.nair": ["communications-lead", "scribe"],
            "mei.chen": ["scribe", "communications-lead"],
        },
        "covers": {
            "incident-commander": ("lukas.becker", "james.okafor"),
            "technical-lead": ("james.okafor", "lukas.becker"),
            "communications-lead": ("priya.nair", "mei.chen"),
            "scribe": ("mei.chen", "priya.nair"),
        },
        "contacts": [
            ("Head of IT Operations", "Head of IT", "head.itops@example.com", "+44 20 7946 0003"),
            ("Service Desk Manager", "Service desk", "servicedesk@example.com", ""),
        ],
    },
    {
        "name": "Crisis Management Team",
        "team_type": "crisis-management",
        "email": "crisis@example.com",
        "phone": "+44 20 7946 0300",
        "description": "Executives who take over when an incident threatens the business: ransomware, disasters.",
        "members": {
            "admin": ["incident-commander"],
            "sofia.rossi": ["incident-commander", "technical-lead"],
            "priya.nair": ["communications-lead"],
            "compliance": ["compliance-liaison"],
            "mei.chen": ["scribe"],
        },
        "covers": {
            "incident-commander": ("admin", "sofia.rossi"),
            "technical-lead": ("sofia.rossi", None),
            "communications-lead": ("priya.nair", None),
            "compliance-liaison": ("compliance", None),
            "scribe": ("mei.chen", None),
        },
        "contacts": [
            ("Chief Executive Officer", "CEO", "ceo@example.com", "+44 20 7946 0004"),
            ("General Counsel", "Legal", "legal@example.com", "+44 20 7946 0005"),
        ],
    },
]

_SIGNATURE = (
    "<p>{{ entity_name or 'Our incident team' }}{% if contact_email %} · {{ contact_email }}{% endif %}</p>"
)
# name, audience, channel, language, subject, body, category slugs (none: all)
TEMPLATES: list[tuple[str, str, str, str, str, str, list[str]]] = [
    (
        "Customer service notice",
        Audience.CUSTOMERS,
        Channel.EMAIL,
        "en",
        "Service disruption: {{ title }} ({{ reference }})",
        "<p>Dear customer,</p><p>We are dealing with a disruption that may affect you: {{ title }}.</p>"
        "<p>{{ impact }}</p><p>Status: {{ status }}. Detected: {{ detected_at }}."
        "{% if next_update_at %} Our next update will follow by {{ next_update_at }}.{% endif %}</p>"
        "{% if services %}<p>Affected services: {{ services | join(', ') }}.</p>{% endif %}" + _SIGNATURE,
        [],
    ),
    (
        "Kundeninformation Störung",
        Audience.CUSTOMERS,
        Channel.EMAIL,
        "de",
        "Störung: {{ title }} ({{ reference }})",
        "<p>Sehr geehrte Kundin, sehr geehrter Kunde,</p><p>wir beheben derzeit eine Störung: {{ title }}.</p>"
        "<p>{{ impact }}</p>{% if next_update_at %}<p>Nächste Information bis {{ next_update_at }}.</p>{% endif %}"
        + _SIGNATURE,
        [],
    ),
    (
        "Status page update",
        Audience.CUSTOMERS,
        Channel.STATUS_PAGE,
        "en",
        "{{ title }}",
        "{{ status }}: {{ title }}. {{ impact }}{% if next_update_at %} Next update by {{ next_update_at }}.{% endif %}",
        [],
    ),
    (
        "Customer SMS alert",
        Audience.CUSTOMERS,
        Channel.SMS,
        "en",
        "",
        "{{ entity_name or 'Service' }} alert: {{ title }}. Updates on our status page. Ref {{ reference }}",
        [],
    ),
    (
        "Staff notice",
        Audience.EMPLOYEES,
        Channel.EMAIL,
        "en",
        "[Internal] {{ title }}",
        "<p>Colleagues,</p><p>{{ summary }}</p><p>What you should do: follow the instructions of the incident team "
        "and do not discuss the incident outside the company.</p><p>Incident commander: {{ incident_commander }}.</p>"
        + _SIGNATURE,
        [],
    ),
    (
        "Executive briefing",
        Audience.EXECUTIVES,
        Channel.EMAIL,
        "en",
        "[{{ severity }}] Executive briefing: {{ title }}",
        "<p><strong>{{ reference }} · {{ severity }} · {{ category }} · {{ status }}</strong></p>"
        "<p>{{ summary }}</p><p>Impact: {{ impact }}</p><p>Detected {{ detected_at }}; commander "
        "{{ incident_commander or 'not yet assigned' }}; communications {{ communications_lead or 'not yet assigned' }}.</p>",
        [],
    ),
    (
        "Board notification",
        Audience.BOARD,
        Channel.LETTER,
        "en",
        "Notification to the board: {{ title }}",
        "To the members of the board of {{ entity_name or 'the company' }}.\n\n"
        "Incident {{ reference }} ({{ severity }}, {{ category }}) was detected on {{ detected_at }}. "
        "{{ summary }}\n\nImpact: {{ impact }}\n\nThe incident commander is {{ incident_commander }}.",
        ["ransomware", "data-breach", "natural-disaster"],
    ),
    (
        "Regulator notification cover email",
        Audience.REGULATORS,
        Channel.EMAIL,
        "en",
        "Incident notification {{ reference }} - {{ entity_name }}",
        "<p>Dear Sir or Madam,</p><p>{{ entity_name or 'We' }} hereby notify an incident that came to our attention on "
        "{{ aware_at or detected_at }}. The notification form is attached.</p><p>Contact: {{ contact_email }}.</p>",
        ["data-breach", "ransomware", "unauthorised-access"],
    ),
    (
        "Data subject notification",
        Audience.DATA_SUBJECTS,
        Channel.LETTER,
        "en",
        "Important information about your personal data",
        "Dear customer,\n\nWe are writing to tell you about an incident that involves your personal data. "
        "{{ summary }}\n\nWhat this means for you: {{ impact }}\n\nIf you have questions, write to {{ contact_email }}.\n\n"
        "{{ entity_name }}",
        ["data-breach", "ransomware"],
    ),
    (
        "Partner notice",
        Audience.PARTNERS,
        Channel.EMAIL,
        "en",
        "Incident affecting our joint services: {{ title }}",
        "<p>Dear partner,</p><p>{{ summary }}</p>{% if services %}<p>Services involved: "
        "{{ services | join(', ') }}.</p>{% endif %}" + _SIGNATURE,
        [],
    ),
    (
        "Media holding statement",
        Audience.MEDIA,
        Channel.EMAIL,
        "en",
        "Statement: {{ title }}",
        "<p>{{ entity_name or 'The company' }} is aware of an incident affecting some of its services. "
        "Our teams are working to resolve it. We will share more information as soon as we can.</p>",
        [],
    ),
]

# category slug, minimum severity, name, team, tasks (title, role, due minutes, guidance),
# escalation rules (milestone, minutes, extra emails, note), guidelines (audience, template name, minutes)
PLAYBOOKS: list[dict[str, Any]] = [
    {
        "name": "Data breach",
        "category": "data-breach",
        "minimum_severity": "SEV4",
        "team": "CSIRT",
        "description": "Personal or confidential data disclosed, altered or lost. GDPR Art. 33/34 clocks run from awareness.",
        "tasks": [
            (
                "Inform the DPO and open the breach register entry",
                "compliance-liaison",
                30,
                "Record when we became aware.",
            ),
            (
                "Preserve evidence: logs, access records, affected data",
                "technical-lead",
                60,
                "Hash what you export.",
            ),
            (
                "Contain the exposure",
                "technical-lead",
                120,
                "Revoke access, take resources offline, rotate keys.",
            ),
            ("Establish the data subjects and their jurisdictions", "compliance-liaison", 1440, ""),
            (
                "Assess the risk to individuals",
                "compliance-liaison",
                2880,
                "Decides whether data subjects are told.",
            ),
            (
                "Draft the regulator notification",
                "compliance-liaison",
                2880,
                "72 hours from awareness under GDPR.",
            ),
            ("Prepare the data subject notification", "communications-lead", 4320, ""),
            ("Keep the timeline of decisions", "scribe", None, ""),
        ],
        "rules": [("contained", 240, ["dpo@example.com"], "Breach not contained within 4 hours")],
        "guidelines": [
            (Audience.EXECUTIVES, "Executive briefing", 60),
            (Audience.REGULATORS, "Regulator notification cover email", 4320),
            (Audience.DATA_SUBJECTS, "Data subject notification", 4320),
        ],
    },
    {
        "name": "Ransomware",
        "category": "ransomware",
        "minimum_severity": "SEV4",
        "team": "Crisis Management Team",
        "description": "Systems or data encrypted or held for ransom. The board policy is not to pay.",
        "tasks": [
            (
                "Isolate affected hosts from the network",
                "technical-lead",
                15,
                "Pull network, do not power off.",
            ),
            ("Convene the crisis management team", "incident-commander", 30, ""),
            ("Engage cyber insurer and external forensics", "incident-commander", 120, ""),
            ("Verify the last clean backups", "technical-lead", 240, "Immutable backups first."),
            ("Record the ransom decision (policy: no payment)", "incident-commander", 240, ""),
            ("File a police report", "compliance-liaison", 1440, ""),
            ("Restore from clean backups and monitor", "technical-lead", None, ""),
        ],
        "rules": [("contained", 120, ["ciso@example.com"], "Ransomware not contained within 2 hours")],
        "guidelines": [
            (Audience.EXECUTIVES, "Executive briefing", 30),
            (Audience.EMPLOYEES, "Staff notice", 60),
            (Audience.BOARD, "Board notification", 240),
        ],
    },
    {
        "name": "Phishing",
        "category": "phishing",
        "minimum_severity": "SEV4",
        "team": "CSIRT",
        "description": "Credential theft or fraud through deceptive messages.",
        "tasks": [
            (
                "Block the sender domain and URLs",
                "technical-lead",
                30,
                "DNS resolver, proxy and mail gateway.",
            ),
            ("Purge the message from all mailboxes", "technical-lead", 60, ""),
            ("Reset credentials and sessions of everyone who clicked", "technical-lead", 120, ""),
            ("Check sign-in logs for misuse", "technical-lead", 240, ""),
            ("Warn staff", "communications-lead", 120, ""),
        ],
        "rules": [],
        "guidelines": [(Audience.EMPLOYEES, "Staff notice", 120)],
    },
    {
        "name": "System outage",
        "category": "system-outage",
        "minimum_severity": "SEV4",
        "team": "IT Operations",
        "description": "Our own systems unavailable or degraded.",
        "tasks": [
            ("Open the bridge and page the service owner", "incident-commander", 10, ""),
            (
                "Assess customer impact",
                "technical-lead",
                30,
                "Which services, how many customers, since when.",
            ),
            ("Post on the status page", "communications-lead", 30, ""),
            ("Decide on rollback or failover", "incident-commander", 60, ""),
            ("Brief customer support", "communications-lead", 60, ""),
            ("Keep the timeline", "scribe", None, ""),
        ],
        "rules": [],
        "guidelines": [(Audience.CUSTOMERS, "Status page update", 30)],
    },
    {
        "name": "Major system outage",
        "category": "system-outage",
        "minimum_severity": "SEV1",
        "team": "IT Operations",
        "description": "A SEV1 outage: business-critical services down; executives and customers told early.",
        "tasks": [
            ("Open the bridge and page the service owner", "incident-commander", 5, ""),
            ("Brief the executives", "incident-commander", 30, ""),
            ("Post on the status page", "communications-lead", 15, ""),
            ("Decide on invoking the continuity plan", "incident-commander", 60, ""),
            ("Keep the timeline", "scribe", None, ""),
        ],
        "rules": [("contained", 60, ["head.itops@example.com"], "SEV1 outage not contained within an hour")],
        "guidelines": [
            (Audience.CUSTOMERS, "Status page update", 15),
            (Audience.EXECUTIVES, "Executive briefing", 30),
        ],
    },
    {
        "name": "Third-party outage",
        "category": "third-party-outage",
        "minimum_severity": "SEV4",
        "team": "IT Operations",
        "description": "A supplier or cloud provider failure affecting us.",
        "tasks": [
            ("Open a priority ticket with the supplier", "technical-lead", 15, "Record the ticket number."),
            ("Follow the supplier's status page", "scribe", 15, ""),
            ("Fail over to the secondary provider where possible", "technical-lead", 60, ""),
            ("Post on the status page", "communications-lead", 30, ""),
            (
                "Obtain the supplier's root cause analysis",
                "incident-commander",
                None,
                "Needed for DORA ICT third-party records.",
            ),
        ],
        "rules": [],
        "guidelines": [
            (Audience.CUSTOMERS, "Status page update", 60),
            (Audience.PARTNERS, "Partner notice", 240),
        ],
    },
    {
        "name": "Natural disaster",
        "category": "natural-disaster",
        "minimum_severity": "SEV4",
        "team": "Crisis Management Team",
        "description": "Flood, fire, storm, earthquake or pandemic affecting a site.",
        "tasks": [
            ("Account for all staff at the site", "incident-commander", 60, "Safety first."),
            ("Invoke the business continuity plan", "incident-commander", 30, ""),
            ("Fail critical workloads over to the secondary site", "technical-lead", 120, ""),
            ("Contact facilities and the insurer", "compliance-liaison", 240, ""),
        ],
        "rules": [("contained", 240, [], "Site not stabilised within 4 hours")],
        "guidelines": [
            (Audience.EMPLOYEES, "Staff notice", 60),
            (Audience.EXECUTIVES, "Executive briefing", 60),
            (Audience.CUSTOMERS, "Customer service notice", 240),
        ],
    },
]

# Exercises not run through a practice incident: title, type, category, team, days ago (negative: ahead),
# scenario, objectives, findings, follow-up actions
EXERCISES: list[tuple[str, str, str, str, int, str, str, str, list[str]]] = [
    (
        "Tabletop: DORA major ICT incident classification",
        ExerciseType.TABLETOP,
        "third-party-outage",
        "IT Operations",
        200,
        "The cloud provider hosting the payments platform fails for six hours on month-end.",
        "Classify the incident under DORA within four hours; draft the initial report.",
        "Classification took two hours because the client-impact figures were not at hand.",
        [
            "Add client-impact queries to the runbook",
            "Pre-fill DORA report fields from the service catalogue",
        ],
    ),
    (
        "Simulation: ransomware on the file servers",
        ExerciseType.SIMULATION,
        "ransomware",
        "Crisis Management Team",
        -45,
        "Encryption starts on the file servers at 22:00 on a Friday; the ransom note claims data theft.",
        "Isolation within 15 minutes; crisis team convened within 30; board informed within 4 hours.",
        "",
        [],
    ),
    (
        "Full drill: supplier failover for SMS one-time passwords",
        ExerciseType.FULL_DRILL,
        "third-party-outage",
        "IT Operations",
        -90,
        "The SMS provider stops delivering one-time passwords during the morning peak.",
        "Fail over to the secondary provider in production within 30 minutes.",
        "",
        [],
    ),
    (
        "Tabletop: flood at the primary data centre",
        ExerciseType.TABLETOP,
        "natural-disaster",
        "Crisis Management Team",
        -150,
        "River flooding forces the evacuation of the primary data centre site.",
        "Walk through the continuity plan; check the staff call tree.",
        "",
        [],
    ),
]
# What the practice incidents of seed_demo taught, by category.
LESSONS: dict[str, tuple[str, list[str]]] = {
    "ransomware": (
        "Isolation was quick, but nobody knew who may authorise shutting down the ledger.",
        [
            "Name the authority for emergency shutdowns in the playbook",
            "Test restore of the ledger quarterly",
        ],
    ),
    "system-outage": (
        "Failover worked; the status page update came 40 minutes late.",
        ["Give the communications lead a status page login in advance"],
    ),
    "data-breach": (
        "The 72-hour clock was understood; the data subject letter needed legal review twice.",
        ["Keep a pre-approved data subject letter per jurisdiction"],
    ),
    "phishing": ("12% of finance staff clicked; 3% entered credentials.", ["Targeted training for finance"]),
    "natural-disaster": (
        "The regulator contact list was out of date.",
        ["Review the contact list every quarter", "Add the regulator to the crisis team's contacts"],
    ),
}


def _users(usernames: Any) -> dict[str, Any]:
    return {user.username: user for user in get_user_model().objects.filter(username__in=list(usernames))}


def _seed_teams(actor: Any, roles: dict[str, IncidentRole]) -> int:
    made = 0
    for spec in TEAMS:
        if Team.objects.filter(name=spec["name"]).exists():
            continue
        users = _users(spec["members"])
        members = [
            {"user": users[name], "roles": [roles[slug] for slug in slugs]}
            for name, slugs in spec["members"].items()
            if name in users
        ]
        covers = [
            {"role": roles[slug], "primary": users[primary], "deputy": users.get(deputy) if deputy else None}
            for slug, (primary, deputy) in spec["covers"].items()
            if primary in users
        ]
        contacts = [
            {"name": name, "function": function, "email": email, "phone": phone}
            for name, function, email, phone in spec["contacts"]
        ]
        services.team_save(
            actor=actor,
            data={
                "name": spec["name"],
                "team_type": TeamType.objects.get(slug=spec["team_type"]),
                "email": spec["email"],
                "phone": spec["phone"],
                "description": spec["description"],
                "members": members,
                "role_covers": covers,
                "escalation_contacts": contacts,
            },
        )
        made += 1
    return made


def _seed_templates(actor: Any) -> int:
    made = 0
    for name, audience, channel, language, subject, body, categories in TEMPLATES:
        if StakeholderTemplate.objects.filter(name=name, language=language).exists():
            continue
        services.stakeholder_template_create(
            actor=actor,
            data={
                "name": name,
                "audience": audience,
                "channel": channel,
                "language": language,
                "subject_template": subject,
                "body_template": body,
                "categories": list(Category.objects.filter(slug__in=categories)),
            },
        )
        made += 1
    return made


def _seed_playbooks(actor: Any, roles: dict[str, IncidentRole]) -> int:
    made = 0
    templates = {t.name: t for t in StakeholderTemplate.objects.filter(language="en")}
    for spec in PLAYBOOKS:
        if Playbook.objects.filter(name=spec["name"]).exists():
            continue
        services.playbook_save(
            actor=actor,
            data={
                "name": spec["name"],
                "category": Category.objects.get(slug=spec["category"]),
                "minimum_severity": Severity.objects.get(name=spec["minimum_severity"]),
                "description": spec["description"],
                "team": Team.objects.filter(name=spec["team"]).first(),
                "tasks": [
                    {"title": title, "role": roles.get(role), "due_after_minutes": due, "guidance": guidance}
                    for title, role, due, guidance in spec["tasks"]
                ],
                "escalation_rules": [
                    {"milestone": milestone, "after_minutes": minutes, "notify_emails": emails, "note": note}
                    for milestone, minutes, emails, note in spec["rules"]
                ],
                "communication_guidelines": [
                    {"audience": audience, "template": templates.get(template), "within_minutes": minutes}
                    for audience, template, minutes in spec["guidelines"]
                ],
            },
        )
        made += 1
    return made


def _follow_plan_on_open_incidents(actor: Any) -> int:
    """Open demo incidents declared before the plan existed come under their playbook now."""
    followed = 0
    for incident in Incident.objects.filter(status__in=OPEN_STATUSES, playbook__isnull=True).select_related(
        "severity", "category"
    ):
        if services.incident_apply_matching_playbook(incident=incident, actor=actor).playbook_id:
            followed += 1
    return followed


# category slug -> (template name, minutes after detection)
_DEMO_MESSAGES: dict[str, list[tuple[str, int]]] = {
    "system-outage": [("Status page update", 20), ("Customer service notice", 90)],
    "third-party-outage": [("Status page update", 30), ("Partner notice", 180)],
    "data-breach": [("Executive briefing", 45), ("Data subject notification", 2880)],
    "phishing": [("Staff notice", 60)],
    "ransomware": [("Executive briefing", 25), ("Staff notice", 50), ("Board notification", 200)],
    "natural-disaster": [("Staff notice", 40), ("Executive briefing", 50)],
}
_RECIPIENTS = {
    Channel.EMAIL: ["customer.one@example.com", "customer.two@example.com"],
    Channel.SMS: ["+44 7700 900123"],
    Channel.LETTER: ["Affected data subjects (mail merge, 1 list)"],
    Channel.STATUS_PAGE: [],
}


def _seed_communications(actor: Any) -> int:
    """Messages recorded on finished demo incidents, as sent at the time (not mailed again)."""
    templates = {t.name: t for t in StakeholderTemplate.objects.filter(language="en", is_active=True)}
    now = timezone.now()
    made = 0
    for slug, messages in _DEMO_MESSAGES.items():
        incidents = (
            Incident.objects.filter(
                category__slug=slug,
                is_restricted=False,
                is_exercise=False,
                status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED],
            )
            .select_related("severity", "category")
            .order_by("-detected_at", "pk")[:2]
        )
        for incident in incidents:
            if Communication.objects.filter(incident=incident).exists():
                continue
            end = incident.resolved_at or incident.closed_at or now
            for name, minutes in messages:
                template = templates.get(name)
                if template is None:
                    continue
                sent_at = min(incident.detected_at + timedelta(minutes=minutes), end, now)
                services.communication_send(
                    incident=incident,
                    actor=actor,
                    template=template,
                    recipients=_RECIPIENTS[Channel(template.channel)],
                    sent_at=sent_at,
                    deliver=False,
                )
                made += 1
    return made


def _participants(incident: Incident) -> list[Any]:
    return [
        assignment.user
        for assignment in RoleAssignment.objects.filter(incident=incident)
        .select_related("user")
        .order_by("pk")
    ]


def _seed_exercises(actor: Any) -> int:
    made = 0
    now = timezone.now()
    for incident in Incident.objects.filter(is_exercise=True, exercise_record__isnull=True).select_related(
        "category", "severity"
    ):
        kind: str = (
            ExerciseType.TABLETOP
            if incident.title.startswith("Tabletop")
            else (ExerciseType.SIMULATION if "simulation" in incident.title else ExerciseType.FULL_DRILL)
        )
        findings, actions = LESSONS.get(incident.category.slug, ("Objectives met.", []))
        playbook = services.playbook_for(category=incident.category, severity=incident.severity)
        title = incident.title.split(": ", 1)[-1]
        services.exercise_create(
            actor=actor,
            data={
                "title": title[:1].upper() + title[1:],
                "exercise_type": kind,
                "scenario": incident.summary or incident.title,
                "objectives": "Follow the playbook; meet the acknowledge and communication targets.",
                "category": incident.category,
                "playbook": playbook,
                "team": playbook.team if playbook else None,
                "participants": _participants(incident),
                "findings": findings,
                "follow_up_actions": actions,
                "scheduled_for": incident.detected_at,
                "conducted_at": incident.detected_at,
                "incident": incident,
            },
        )
        made += 1
    participants = list(
        get_user_model().objects.filter(username__in=["responder", "sofia.rossi", "compliance"])
    )
    for title, kind, slug, team, days_ago, scenario, objectives, findings, actions in EXERCISES:
        if Exercise.objects.filter(title=title).exists():
            continue
        when = now - timedelta(days=days_ago)
        conducted = days_ago > 0
        category = Category.objects.get(slug=slug)
        services.exercise_create(
            actor=actor,
            data={
                "title": title,
                "exercise_type": kind,
                "scenario": scenario,
                "objectives": objectives,
                "category": category,
                "playbook": Playbook.objects.filter(category=category, is_active=True)
                .order_by("-minimum_severity__rank")
                .first(),
                "team": Team.objects.filter(name=team).first(),
                "participants": participants if conducted else [],
                "external_participants": ["External facilitator (ResilienceCo)"] if conducted else [],
                "findings": findings,
                "follow_up_actions": actions,
                "scheduled_for": when.replace(hour=9, minute=0, second=0, microsecond=0),
                "conducted_at": when.replace(hour=9, minute=0, second=0, microsecond=0)
                if conducted
                else None,
            },
        )
        made += 1
    return made


def seed_response_plan(*, stdout: TextIO) -> None:
    """Teams, playbooks for the main categories, a stakeholder template for
    every audience, communications on finished demo incidents, the open
    incidents brought under their playbook, and past and scheduled exercises."""
    actor = (
        get_user_model().objects.filter(username="admin").first()
        or get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    )
    if actor is None:
        stdout.write("Response plan: skipped, there is no administrator to record it under.\n")
        return
    roles = {role.slug: role for role in IncidentRole.objects.all()}
    with transaction.atomic():  # all of the plan or none of it
        teams = _seed_teams(actor, roles)
        templates = _seed_templates(actor)
        playbooks = _seed_playbooks(actor, roles)
        followed = _follow_plan_on_open_incidents(actor)
        communications = _seed_communications(actor)
        exercises = _seed_exercises(actor)
    made = teams + templates + playbooks + followed + communications + exercises
    stdout.write(
        f"Response plan: {teams} teams, {playbooks} playbooks, {templates} stakeholder templates, "
        f"{communications} communications, {exercises} exercises created; "
        f"{followed} open incidents brought under their playbook.\n"
    )
    if not made:
        stdout.write("Response plan: already there, nothing new was created.\n")
