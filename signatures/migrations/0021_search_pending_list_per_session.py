from django.db import migrations

# 0019 capped the GIN indexes' pending lists at 256 kB with each index's own setting, so that a
# search reads few unsorted entries. An index's setting overrides the session's, though, and an
# import wants the opposite: to collect a whole batch's entries and merge them into the index
# once, at the end of the batch (measured: a fifth less of PostgreSQL's time for an import than
# merging every 256 kB). The cap moves to
# the sessions: every connection the site opens starts with gin_pending_list_limit = 256 kB
# (freefable/settings.py), and an import raises it for its own transactions only, then merges
# what it added before it commits (moderation/services/imports.py).

INDEXES = ["sig_public_search_idx", "sig_name_trgm", "sig_organization_trgm", "sig_email_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} RESET (gin_pending_list_limit)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} SET (gin_pending_list_limit = 256)")


class Migration(migrations.Migration):
    dependencies = [("signatures", "0020_signature_language")]

    operations = [migrations.RunPython(forwards, backwards)]
