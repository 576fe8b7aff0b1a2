from django.db import migrations, models

from incidents import kpi_rollup


def reinstall_sqlite_rollup_triggers(apps, schema_editor):
    # SQLite adds a column with a default by rebuilding the table, which drops its triggers;
    # the KPI rollup (0005_kpi_rollup) depends on them. PostgreSQL keeps them.
    if schema_editor.connection.vendor == "sqlite":
        kpi_rollup.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_kpi_rollup"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="inferred_stamps",
            field=models.JSONField(
                blank=True,
                default=list,
                editable=False,
                help_text=(
                    "Lifecycle stamps nobody reported, taken from a later step (a vendor resolve for an "
                    "incident nobody acknowledged); the real time replaces them when it arrives."
                ),
            ),
        ),
        migrations.RunPython(reinstall_sqlite_rollup_triggers, migrations.RunPython.noop),
    ]
