from django.db import migrations

# Case-insensitive substring search (Django's icontains: UPPER(col::text) LIKE UPPER(...)) served
# by trigram indexes on PostgreSQL. Other databases scan, which is fine at their scale.
COLUMNS = ["name", "title", "organization"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS sig_{column}_trgm ON signatures_signature "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS sig_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("signatures", "0004_digests")]

    operations = [migrations.RunPython(forwards, backwards)]
