from django.db import migrations

from portal.roles import (
    ADMINISTRATOR,
    AUDITOR,
    COMPLIANCE_OFFICER,
    INCIDENT_RESPONDER,
    all_model_permissions,
    ensure_permissions,
    grant_permissions,
)


def grant(apps, schema_editor):
    ensure_permissions(apps, ["compliance"])
    grant_permissions(
        apps,
        {
            ADMINISTRATOR: all_model_permissions(apps, "compliance"),
            COMPLIANCE_OFFICER: ["compliance.view_compliance", "compliance.view_customregime"],
            INCIDENT_RESPONDER: ["compliance.view_compliance"],
            AUDITOR: ["compliance.view_compliance", "compliance.view_customregime"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial"), ("portal", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
