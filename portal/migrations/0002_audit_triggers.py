from django.db import migrations

from portal.dbtriggers import AUDIT_GUARD


def create(apps, schema_editor):
    AUDIT_GUARD.create(schema_editor.connection)


def drop(apps, schema_editor):
    AUDIT_GUARD.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
