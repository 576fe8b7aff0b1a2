from django.db import migrations

from portal.roles import (
    ADMINISTRATOR,
    AUDITOR,
    COMPLIANCE_OFFICER,
    INCIDENT_RESPONDER,
    POSTMORTEM_AUTHOR,
    ROLES,
    all_model_permissions,
    ensure_permissions,
    grant_permissions,
)


def create_roles(apps, schema_editor):
    ensure_permissions(apps, ["auth", "portal"])
    grant_permissions(
        apps,
        {
            ADMINISTRATOR: [
                *all_model_permissions(apps, "portal"),
                *all_model_permissions(apps, "auth"),
            ],
            COMPLIANCE_OFFICER: ["auth.view_user"],
            INCIDENT_RESPONDER: ["auth.view_user"],
            POSTMORTEM_AUTHOR: ["auth.view_user"],
            AUDITOR: ["auth.view_user", "auth.view_group", "portal.view_auditevent", "portal.view_apitoken"],
        },
    )
    assert set(ROLES) <= set(apps.get_model("auth", "Group").objects.values_list("name", flat=True))


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_audit_triggers"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
