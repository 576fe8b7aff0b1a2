from django.db import migrations, models

from compliance.guards import SUBMITTED_REPORT_GUARD


def reinstall_sqlite_guard(apps, schema_editor):
    # SQLite adds a column with a default by rebuilding the table, which drops the
    # frozen-report triggers of 0004; PostgreSQL keeps them.
    if schema_editor.connection.vendor == "sqlite":
        SUBMITTED_REPORT_GUARD.create(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0004_frozen_reports_and_roles")]

    operations = [
        migrations.AddField(
            model_name="regulatorreport",
            name="include_timeline",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(reinstall_sqlite_guard, migrations.RunPython.noop),
    ]
