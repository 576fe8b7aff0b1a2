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

TEAM_TYPES = [
    ("Central", "central", "One team handles incidents for the whole organisation.", 10),
    ("Distributed", "distributed", "Several teams, each responsible for part of the organisation.", 20),
    ("Coordinating", "coordinating", "Coordinates and advises other teams without authority over them.", 30),
    ("CSIRT", "csirt", "Computer security incident response team.", 40),
    ("Crisis management team", "crisis-management", "Executives who decide when an incident becomes a crisis.", 50),
]
NEW_MODELS = [
    "teamtype",
    "team",
    "teammember",
    "teamrolecover",
    "escalationcontact",
    "playbook",
    "playbooktask",
    "playbookescalationrule",
    "communicationguideline",
    "incidenttask",
    "escalation",
    "stakeholdertemplate",
    "stakeholdertemplateversion",
    "communication",
    "exercise",
]


def create_team_types(apps, schema_editor):
    TeamType = apps.get_model("incidents", "TeamType")
    for name, slug, description, order in TEAM_TYPES:
        TeamType.objects.get_or_create(slug=slug, defaults={"name": name, "description": description, "order": order})


def grant(apps, schema_editor):
    ensure_permissions(apps, ["incidents"])
    view_new = [f"incidents.view_{model}" for model in NEW_MODELS]
    grant_permissions(
        apps,
        {
            ADMINISTRATOR: all_model_permissions(apps, "incidents"),
            COMPLIANCE_OFFICER: [
                *view_new,
                "incidents.add_communication",
                "incidents.add_exercise",
                "incidents.change_exercise",
            ],
            INCIDENT_RESPONDER: [
                *view_new,
                "incidents.add_communication",
                "incidents.add_incidenttask",
                "incidents.change_incidenttask",
                "incidents.add_exercise",
                "incidents.change_exercise",
            ],
            POSTMORTEM_AUTHOR: view_new,
            AUDITOR: view_new,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_response_plan")]
    operations = [
        migrations.RunPython(create_team_types, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
