from django.db import migrations

from portal.roles import ADMINISTRATOR, AUDITOR, all_model_permissions, ensure_permissions, grant_permissions


def grant(apps, schema_editor):
    """Administrators manage integrations and subscriptions; auditors read them and their deliveries."""
    ensure_permissions(apps, ["integrations"])
    everything = all_model_permissions(apps, "integrations")
    grant_permissions(
        apps,
        {
            ADMINISTRATOR: everything,
            AUDITOR: [p for p in everything if ".view_" in p],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial"), ("portal", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
