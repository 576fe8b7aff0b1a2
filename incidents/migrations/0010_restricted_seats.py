from django.conf import settings
from django.db import migrations, models

from incidents import kpi_rollup
from portal.migration_ops import postgresql_only

# A responder's own restricted incidents (what they see beyond the unrestricted ones, in the list
# and in the KPIs) were found from every current seat they hold: at 1,000,000 incidents, 14,796
# seats probed or the whole restricted index scanned, 30-42 ms growing with the data
# (bench/README.md). Each seat now carries its incident's is_restricted, kept by triggers, and a
# partial index holds only the current seats on restricted incidents (1,469 for that responder);
# the incidents they declared come from a partial covering index of restricted incidents by
# declarer, without reading the table.
CREATOR_COVER = (
    "CREATE INDEX IF NOT EXISTS incident_restricted_creator_cover ON incidents_incident (created_by_id) "
    "INCLUDE (severity_id, category_id, status, is_exercise, occurred_at, detected_at, "
    "acknowledged_at, contained_at, resolved_at) WHERE is_restricted"
)
DROP_CREATOR_COVER = "DROP INDEX IF EXISTS incident_restricted_creator_cover"


def install_seat_flags(apps, schema_editor):
    connection = schema_editor.connection
    kpi_rollup.install_seat_flags(connection)
    kpi_rollup.sync_seat_flags(connection)


def uninstall_seat_flags(apps, schema_editor):
    kpi_rollup.uninstall_seat_flags(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_list_filter_cover"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="roleassignment",
            name="incident_restricted",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text=(
                    "The incident's is_restricted, set by the database on every write "
                    "(incidents/kpi_rollup.py): a reader's own restricted incidents are found from "
                    "these seats alone."
                ),
            ),
        ),
        migrations.AddIndex(
            model_name="roleassignment",
            index=models.Index(
                condition=models.Q(("ended_at__isnull", True), ("incident_restricted", True)),
                fields=["user", "incident"],
                name="roleassignment_restricted_seat",
            ),
        ),
        migrations.RunPython(install_seat_flags, uninstall_seat_flags),
        postgresql_only(CREATOR_COVER, DROP_CREATOR_COVER),
    ]
