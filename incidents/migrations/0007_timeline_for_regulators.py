from django.db import migrations, models

from portal.roles import COMPLIANCE_OFFICER, INCIDENT_RESPONDER, ensure_permissions, grant_permissions


def grant(apps, schema_editor):
    # Officers and responders mark which timeline lines a regulator may read.
    ensure_permissions(apps, ["incidents"])
    grant_permissions(
        apps,
        {
            COMPLIANCE_OFFICER: ["incidents.change_timelineevent"],
            INCIDENT_RESPONDER: ["incidents.change_timelineevent"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_incident_inferred_stamps"), ("portal", "0003_roles")]

    operations = [
        migrations.AddField(
            model_name="timelineevent",
            name="for_regulators",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
