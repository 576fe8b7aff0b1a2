from django.db import migrations

# PostgreSQL only (bench/README.md): a reader who does not see every restricted incident gets the
# KPIs of their own restricted incidents live, by a semi-join of their current roles (and of the
# incidents they declared) with this index. Partial (restricted incidents only) and covering (the
# columns the KPIs aggregate), it answers without reading the table: at 1,000,000 incidents, 42 ms
# instead of 488 ms for a responder with roles on 14,796 incidents (39 ms with the KPI code of
# the same change: one condition, ``incidents.selectors.own_restricted``).
CREATE = (
    "CREATE INDEX IF NOT EXISTS incident_restricted_kpi_cover ON incidents_incident (id) "
    "INCLUDE (severity_id, category_id, status, is_exercise, created_by_id, occurred_at, detected_at, "
    "acknowledged_at, contained_at, resolved_at) WHERE is_restricted"
)
DROP = "DROP INDEX IF EXISTS incident_restricted_kpi_cover"


def _run(statement):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor == "postgresql":
            # A cursor, not schema_editor.execute: the tests replay data migrations after a flush
            # with only a connection at hand (tests/conftest.py restore_reference_data).
            with connection.cursor() as cursor:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_timeline_for_regulators")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
