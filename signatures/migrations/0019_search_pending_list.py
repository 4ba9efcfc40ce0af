from django.db import migrations

# GIN indexes take new entries into an unsorted "pending list" that every search reads through
# until VACUUM merges it (4 MB by default: several milliseconds per search after an import or a
# burst of approvals). 256 kB keeps that read short; inserts merge into the index sooner instead.
INDEXES = ["sig_public_search_idx", "sig_name_trgm", "sig_organization_trgm", "sig_email_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} SET (gin_pending_list_limit = 256)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("signatures", "0018_approved_queue_index")]

    operations = [migrations.RunPython(forwards, backwards)]
