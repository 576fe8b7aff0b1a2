from django.db import migrations

from portal.roles import (
    ADMINISTRATOR,
    AUDITOR,
    COMPLIANCE_OFFICER,
    INCIDENT_RESPONDER,
    POSTMORTEM_AUTHOR,
    all_model_permissions,
    ensure_permissions,
    grant_permissions,
)

SEVERITIES = [
    ("SEV1", 1, "Critical: major customer impact, data breach or regulatory exposure likely.", "#b71c1c", 15, 240),
    ("SEV2", 2, "High: significant degradation or a confirmed security event.", "#e65100", 30, 480),
    ("SEV3", 3, "Medium: limited impact, workaround available.", "#f9a825", 120, 1440),
    ("SEV4", 4, "Low: minor issue, no customer impact.", "#2e7d32", 480, 4320),
]
CATEGORIES = [
    ("Data breach", "data-breach", "Personal or confidential data disclosed, altered, lost or destroyed."),
    ("Ransomware", "ransomware", "Data or systems encrypted or held for ransom."),
    ("Phishing", "phishing", "Credential theft or fraud through deceptive messages."),
    ("DDoS", "ddos", "Denial of service through traffic floods."),
    ("System outage", "system-outage", "Our own systems unavailable or degraded."),
    ("Third-party outage", "third-party-outage", "A supplier or cloud provider failure affecting us."),
    ("Natural disaster", "natural-disaster", "Flood, fire, storm, earthquake or pandemic affecting operations."),
    ("Insider threat", "insider-threat", "Misuse of access by staff or contractors."),
    ("Lost or stolen device", "lost-device", "A laptop, phone or storage medium lost or stolen."),
    ("Malware", "malware", "Malicious software on our systems."),
    ("Unauthorised access", "unauthorised-access", "Access to systems or data by someone not entitled to it."),
    ("Misconfiguration", "misconfiguration", "A configuration error exposing data or breaking a service."),
]
ROLES = [
    ("Incident Commander", "incident-commander", "Leads the response and makes the calls.", 10),
    ("Communications Lead", "communications-lead", "Keeps stakeholders, customers and staff informed.", 20),
    ("Technical Lead", "technical-lead", "Directs the investigation and the technical fix.", 30),
    ("Scribe", "scribe", "Keeps the timeline: decisions, actions and times.", 40),
    ("Compliance Liaison", "compliance-liaison", "Tracks regulatory clocks and reports with compliance.", 50),
]


def create_defaults(apps, schema_editor):
    Severity = apps.get_model("incidents", "Severity")
    Category = apps.get_model("incidents", "Category")
    IncidentRole = apps.get_model("incidents", "IncidentRole")
    for name, rank, description, colour, ack, resolve in SEVERITIES:
        Severity.objects.get_or_create(
            name=name,
            defaults={"rank": rank, "description": description, "colour": colour,
                      "acknowledge_target_minutes": ack, "resolve_target_minutes": resolve},
        )
    for name, slug, description in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    for name, slug, description, order in ROLES:
        IncidentRole.objects.get_or_create(slug=slug, defaults={"name": name, "description": description, "order": order})


def grant(apps, schema_editor):
    ensure_permissions(apps, ["incidents"])
    view_all = [p for p in all_model_permissions(apps, "incidents") if ".view_" in p]
    grant_permissions(
        apps,
        {
            ADMINISTRATOR: all_model_permissions(apps, "incidents"),
            COMPLIANCE_OFFICER: view_all,
            INCIDENT_RESPONDER: [
                *[p for p in view_all if p != "incidents.view_restricted_incident"],
                "incidents.add_incident",
                "incidents.change_incident",
                "incidents.add_timelineevent",
                "incidents.add_evidence",
                "incidents.add_roleassignment",
            ],
            POSTMORTEM_AUTHOR: [p for p in view_all if p != "incidents.view_restricted_incident"],
            AUDITOR: [p for p in view_all if p != "incidents.view_restricted_incident"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("portal", "0003_roles")]
    operations = [
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
