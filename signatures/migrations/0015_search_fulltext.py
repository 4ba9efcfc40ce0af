from django.db import migrations

# Public search on PostgreSQL: full text over name, title and organization, accents folded (so
# "geneve" finds "Genève" and back), searched word by word with a prefix match on the last word
# (signatures/selectors/public.py).
#
# The words are kept in a stored generated column, `search_vector`, which the model does not
# declare: PostgreSQL computes it on every insert and update (an erased signature's words go
# with its name), and a search can test a row with it in well under a microsecond instead of
# folding and splitting the text again (several microseconds: too slow when a broad search
# walks the list in public order). Only approved signatures are searched, so only they are
# in its index.
#
# Limits: PostgreSQL refuses to change the type of a column a generated column reads. A later
# migration that alters name, title or organization must drop search_vector (and its index)
# first and add them back after, as below.
#
# unaccent() is not IMMUTABLE (its dictionary could change), and a generated column needs an
# immutable expression: the wrapper names the dictionary and its schema, so it means one thing.
#
# The moderation queue keeps its substring search (Django's icontains, UPPER(col) LIKE ...):
# name and organization have trigram indexes since 0005, email gets one here. The title's
# trigram index served only the public search and goes.


def _unaccent_schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'")
        return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema = _unaccent_schema(schema_editor)
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION freefable_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        f"AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$"
    )
    schema_editor.execute(
        "ALTER TABLE signatures_signature ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS "
        "(to_tsvector('simple'::regconfig, freefable_unaccent(name || ' ' || title || ' ' || organization))) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS sig_public_search_idx ON signatures_signature "
        "USING gin (search_vector) WHERE status = 'approved'"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS sig_email_trgm ON signatures_signature "
        "USING gin ((UPPER(email_normalized::text)) gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS sig_title_trgm")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS sig_title_trgm ON signatures_signature USING gin ((UPPER(title::text)) gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS sig_email_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS sig_public_search_idx")
    schema_editor.execute("ALTER TABLE signatures_signature DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute("DROP FUNCTION IF EXISTS freefable_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [("signatures", "0014_signature_identification_only")]

    operations = [migrations.RunPython(forwards, backwards)]
