from django.db import migrations

from compliance.guards import SUBMITTED_REPORT_GUARD
from portal.roles import (
    ADMINISTRATOR,
    AUDITOR,
    COMPLIANCE_OFFICER,
    INCIDENT_RESPONDER,
    all_model_permissions,
    ensure_permissions,
    grant_permissions,
)


def create_guard(apps, schema_editor):
    SUBMITTED_REPORT_GUARD.create(schema_editor.connection)


def drop_guard(apps, schema_editor):
    SUBMITTED_REPORT_GUARD.drop(schema_editor.connection)


def grant(apps, schema_editor):
    ensure_permissions(apps, ["compliance"])
    everything = all_model_permissions(apps, "compliance")
    read = [p for p in everything if ".view_" in p]
    grant_permissions(
        apps,
        {
            ADMINISTRATOR: everything,
            COMPLIANCE_OFFICER: [
                *read,
                "compliance.add_assessment",
                "compliance.change_assessment",
                "compliance.add_assessmentdecision",
                "compliance.change_obligation",
                "compliance.add_regulatorreport",
                "compliance.change_regulatorreport",
                "compliance.approve_regulatorreport",
                "compliance.submit_regulatorreport",
            ],
            INCIDENT_RESPONDER: [
                "compliance.view_compliance",
                "compliance.view_obligation",
                "compliance.view_legalentity",
            ],
            AUDITOR: read,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_reporting"), ("portal", "0003_roles")]
    operations = [
        migrations.RunPython(create_guard, drop_guard),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
