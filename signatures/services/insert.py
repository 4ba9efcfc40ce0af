"""A first signature in one SQL statement (PostgreSQL): the busiest write of a viral day.

One autocommit statement inserts the signature, skips it if the address already signed (ON
CONFLICT DO NOTHING: the partial unique constraint decides, also under concurrent requests),
inserts its confirmation email into the outbox, and marks a plus-address variant, in a CTE:

    WITH new AS (INSERT INTO signature ... SELECT ... ON CONFLICT DO NOTHING RETURNING id)
    INSERT INTO outbox ... SELECT ... FROM new RETURNING id, signature_id

Nothing else runs when it inserts; a repeat signer (no row returned) takes the careful path in
signing.py. The column list comes from the models, so a new field needs no change here.
"""

import json

from django.db import connection

from ..models import OutgoingEmail, Signature

VARIANT_REASON = "Plus-addressed variant of another signer's email"


def _columns(instance, skip=()) -> tuple[list[str], list]:
    """Column names and database values of an unsaved instance (defaults and auto_now_add
    filled in as save() would)."""
    names, values = [], []
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in skip:
            continue
        value = field.pre_save(instance, add=True)
        names.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(value, connection))
    return names, values


def signature_insert_new(signature: Signature) -> tuple[int, int] | None:
    """Insert `signature` (unsaved, every field set) and its confirmation email in one
    statement. Returns (signature id, outbox id), or None when the address already signed."""
    qn = connection.ops.quote_name
    table, outbox = qn(Signature._meta.db_table), qn(OutgoingEmail._meta.db_table)
    columns, values = _columns(signature, skip=("suspicious_reasons",))
    email = OutgoingEmail(kind=OutgoingEmail.Kind.CONFIRM)
    out_columns, out_values = _columns(email, skip=("signature",))
    # Only quoted model names and placeholders are formatted in; every value is a parameter.
    sql = f"""
        WITH new AS (
            INSERT INTO {table} ({", ".join(columns)}, {qn("suspicious_reasons")})
            SELECT {", ".join(["%s"] * len(columns))},
                   %s::jsonb || CASE WHEN EXISTS (
                       SELECT 1 FROM {table}
                       WHERE {qn("letter_id")} = %s AND {qn("email_base")} = %s
                         AND {qn("email_normalized")} <> %s AND {qn("status")} <> 'withdrawn'
                   ) THEN %s::jsonb ELSE '[]'::jsonb END
            ON CONFLICT DO NOTHING
            RETURNING id
        )
        INSERT INTO {outbox} ({qn("signature_id")}, {", ".join(out_columns)})
        SELECT id, {", ".join(["%s"] * len(out_columns))} FROM new
        RETURNING {qn("signature_id")}, id
    """  # noqa: S608
    params = [
        *values,
        json.dumps(signature.suspicious_reasons),
        signature.letter_id,
        signature.email_base,
        signature.email_normalized,
        json.dumps([VARIANT_REASON]),
        *out_values,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row else None
