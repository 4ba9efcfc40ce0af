"""Importing signatories gathered before launch (the organizers' launch list).

In batches of BATCH rows, each one transaction of a few statements however many rows: the new
signatures in one INSERT ... SELECT with their audit events, and one append of their leaves to
the transparency log. An email already on the letter is left out (looked up first, and the
database's one-signature-per-email constraint has the last word), and so is an email met
earlier in the file. Rows are checked with the sign form's own field checks, without building
a form for each row.

On PostgreSQL the rows reach the database by COPY into a temporary table, and one statement
inserts them and their events from there; elsewhere (SQLite) bulk_create does the same job.
"""

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from letter.models import Letter
from signatures.exports import PUBLIC_VALUES, public_row
from signatures.forms import SignatureForm
from signatures.models import ModerationEvent, Signature
from signatures.selectors.cache import public_list_changed
from signatures.services.log import leaf_hashes, log_append, published_leaves
from signatures.services.signing import signer_fields

from .decisions import _event

Status = Signature.Status
COLUMNS = ("name", "email", "title", "organization", "link")
BATCH = 5000
WRITERS = 3  # batches written at once on PostgreSQL
# Columns that differ from row to row; every other column is the same for the whole batch.
PER_ROW = ("public_id", "name", "name_key", "email", "email_normalized", "email_base", "title", "organization", "link")


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0  # already signed
    rejected: list = field(default_factory=list)  # (line number, reason)


class RowChecker:
    """The sign form's checks for one row, as `form.is_valid()` runs them (each field's clean(),
    then its clean_<name>()), on one form kept for every row: building and deep-copying a form
    per row cost more than the rest of the import. Titles, organizations and links repeat in a
    launch list, so each distinct value is checked once."""

    REPEATING = ("title", "organization", "link")

    def __init__(self):
        self.form = SignatureForm()
        self.seen = {}
        # Each column's field clean() and the form's clean_<name>() (if any), looked up once.
        self.cleaners = {
            name: (self.form.fields[name].clean, getattr(self.form, f"clean_{name}", None)) for name in COLUMNS
        }

    def _clean(self, name: str, value: str):
        field_clean, form_clean = self.cleaners[name]
        cleaned = self.form.cleaned_data
        cleaned[name] = field_clean(value)
        if form_clean is not None:
            cleaned[name] = form_clean()
        return cleaned[name]

    def __call__(self, row: dict) -> tuple[dict, str]:
        """(cleaned data, "") or ({}, the reasons, worded as the form words them)."""
        self.form.cleaned_data, data, errors = {}, {}, []
        for name in COLUMNS:
            value = row.get(name) or ""
            repeating = name in self.REPEATING
            outcome = self.seen.get((name, value)) if repeating else None
            if outcome is None:
                try:
                    outcome = (self._clean(name, value), None)
                except ValidationError as exc:
                    outcome = (None, f"{name}: {' '.join(exc.messages)}")
                if repeating:
                    if len(self.seen) > 100_000:
                        self.seen.clear()
                    self.seen[(name, value)] = outcome
            data[name], error = outcome
            if error:
                errors.append(error)
        return ({}, "; ".join(errors)) if errors else (data, "")


def signatures_import(*, letter: Letter, rows, actor=None) -> ImportReport:
    """Add signatories gathered before launch as approved, at the "launch list" level: the
    organizers vouch for them, but nobody here confirmed their email, and the public level says so.

    `rows` are dicts with name, email, title, organization, link (a csv.DictReader is read a
    batch at a time). Each row is checked like the sign form; an email already on the letter is
    skipped, so re-running adds nothing. Each batch commits with its audit events and log leaves.

    On PostgreSQL, outside a transaction, WRITERS threads (each with its own connection) write
    batches while this one checks the next: the checks and the database's work overlap, and two
    batches' inserts run side by side. Each batch appends to the log, and commits, only after
    the batch before it committed, so batches reach the log and the list in file order.
    """
    report = ImportReport()
    check = RowChecker()
    numbered = enumerate(rows, start=2)  # line 1 is the header
    emails = set()  # normalized emails met so far in the file: the first row with one wins
    version = (letter.current_version.number, letter.current_version.language)
    gin = _gin_batched() if connection.vendor == "postgresql" else []
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        while batch := list(islice(numbered, BATCH)):
            prepared = _prepared_batch(batch, check, emails, report)
            _count(report, _write_batch(letter, version, prepared, actor, timezone.now(), gin))
        return report
    with ThreadPoolExecutor(max_workers=WRITERS) as writers:
        in_flight = deque()
        previous = now = None
        try:
            while batch := list(islice(numbered, BATCH)):
                prepared = _prepared_batch(batch, check, emails, report)
                while len(in_flight) >= WRITERS:
                    _count(report, in_flight.popleft().result())
                # Approval times rise from batch to batch, as their leaves follow in the log.
                now = max(timezone.now(), now + timedelta(microseconds=1)) if now else timezone.now()
                previous = writers.submit(_write_batch_threaded, letter, version, prepared, actor, now, gin, previous)
                in_flight.append(previous)
            while in_flight:
                _count(report, in_flight.popleft().result())
        finally:
            for future in in_flight:
                future.cancel()
    return report


def _count(report: ImportReport, written: tuple[int, int]) -> None:
    added, skipped = written
    report.added += added
    report.skipped += skipped


def _prepared_batch(batch: list, check: RowChecker, emails: set, report: ImportReport) -> list[dict]:
    """The rows of a batch that pass the checks, with the stored forms of name and email and a
    public id each; the others go to the report, and a row whose email came earlier in the file
    counts as skipped."""
    prepared = []
    public_id = Signature._meta.get_field("public_id").get_default
    for line, row in batch:
        data, reasons = check(row)
        if reasons:
            report.rejected.append((line, reasons))
            continue
        fields = signer_fields(name=data["name"], email=data["email"])
        if fields["email_normalized"] in emails:
            report.skipped += 1
            continue
        emails.add(fields["email_normalized"])
        prepared.append({**data, **fields, "public_id": public_id()})
    return prepared


def _write_batch_threaded(letter: Letter, version, rows: list[dict], actor, now, gin, previous) -> tuple[int, int]:
    """_write_batch in a writer thread, on that thread's own connection (closed after)."""
    try:
        return _write_batch(letter, version, rows, actor, now, gin, previous)
    finally:
        connections.close_all()  # this thread's connections only


def _write_batch(letter: Letter, version, signer_rows: list[dict], actor, now, gin, previous=None) -> tuple[int, int]:
    """Insert one batch with its audit events and log leaves, in one transaction, approved at
    `now`; when `previous` (the batch before, written by another thread) is given, log and
    commit after it. `gin`: the search indexes whose entries the batch merges itself
    (_gin_batched). Returns (rows added, rows skipped as already on the letter)."""
    if not signer_rows:
        if previous is not None:
            previous.result()
        return 0, 0
    template = Signature(
        letter=letter,
        version_id=letter.current_version_id,
        language=letter.language,
        status=Status.APPROVED,
        verification=Signature.Verification.LAUNCH_LIST,
        moderation_note="Imported from the launch list.",
        verified_at=now,
        approved_at=now,
        moderated_by=actor,
    )
    event = _event(Signature(), actor, ModerationEvent.Action.IMPORT, {}, {"status": Status.APPROVED}, "launch list")
    insert = _insert_copy if connection.vendor == "postgresql" else _insert_orm
    with transaction.atomic():
        if gin:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
        added = insert(signer_rows, template, event)
        if gin:
            with connection.cursor() as cursor:
                cursor.execute("SELECT gin_clean_pending_list(i) FROM unnest(%s::regclass[]) i", [gin])
                # Back to the session's limit (inside a caller's transaction, a test, SET LOCAL
                # would last until that transaction ends).
                cursor.execute("SET LOCAL gin_pending_list_limit TO DEFAULT")
        # In the batch's transaction, so what is public is logged. The rows are the public rows
        # `log.public_rows` would read back (in id order: one approval time), made from what
        # was just written instead of read again; their leaves and hashes are made, and the
        # rows' foreign keys checked, before this batch waits for the one before it.
        by_public_id = {row["public_id"]: row for row in signer_rows}
        leaves = published_leaves(
            [_public_row(by_public_id[public_id], created_at, version) for _pk, public_id, created_at in added]
        )
        hashes = leaf_hashes(leaves)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Checks the foreign keys of the rows inserted so far now (Django's are checked at
                # commit), then back to Django's default for what follows.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if previous is not None:
            previous.result()  # raises if that batch failed: this one is rolled back too
        log_append(letter=letter, leaves=leaves, hashes=hashes)
        transaction.on_commit(partial(public_list_changed, letter.pk))
    return len(added), len(signer_rows) - len(added)


def _gin_batched() -> list[str]:
    """The signatures table's GIN indexes (search), when this connection may merge their pending
    lists (their owner may): then a batch raises the session's pending list limit (256 kB for
    the site, settings.py) so that its entries collect unsorted, and merges them into the
    indexes in one pass before it commits, rather than every 256 kB; a search during the batch
    reads at most that batch's entries. Otherwise (no right to merge) nothing changes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_has_role(c.relowner, 'USAGE') FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
            [Signature._meta.db_table],
        )
        found = cursor.fetchall()
    return [name for name, _owned in found] if found and all(owned for _name, owned in found) else []


def _public_row(row: dict, created_at, version: tuple[int, str]) -> tuple:
    """`version`: the (number, language) of the letter version the import records."""
    values = {**row, "created_at": created_at, "verification": Signature.Verification.LAUNCH_LIST}
    return public_row(*(values[name] for name in PUBLIC_VALUES[:-2]), *version)


def _insert_orm(signer_rows: list[dict], template: Signature, event: ModerationEvent) -> list[tuple]:
    """bulk_create with ON CONFLICT DO NOTHING; the random public ids tell which rows went in.
    Returns (id, public id, created_at) of each, in id order."""
    constant = {f.attname: getattr(template, f.attname) for f in _constant_fields(Signature, PER_ROW)}
    Signature.objects.bulk_create([Signature(**constant, **row) for row in signer_rows], ignore_conflicts=True)
    public_ids = [row["public_id"] for row in signer_rows]
    added = sorted(Signature.objects.filter(public_id__in=public_ids).values_list("pk", "public_id", "created_at"))
    events = []
    for pk, _public_id, _created_at in added:
        copy = ModerationEvent(**{f.attname: getattr(event, f.attname) for f in _constant_fields(ModerationEvent)})
        copy.signature_id = pk
        events.append(copy)
    ModerationEvent.objects.bulk_create(events)
    return added


def _constant_fields(model, per_row=()):
    """The columns a batch fills with one value: every stored field but the id, the per-row
    ones, the signature of an event, and those the database computes."""
    skip = {*per_row, "signature_id"}
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip and not f.generated]


def _values(model, instance, per_row=()) -> tuple[list[str], list]:
    """Column names and database values of `instance`'s constant fields, as Django would save
    them (defaults, auto_now_add times, JSON): new model fields need no change here."""
    fields = _constant_fields(model, per_row)
    quote = connection.ops.quote_name
    return [quote(f.column) for f in fields], [
        f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields
    ]


def _insert_copy(signer_rows: list[dict], template: Signature, event: ModerationEvent) -> list[tuple]:
    """PostgreSQL: the rows whose email is already on the letter are left out first (a lookup
    in the one-signature-per-email index each), the others go by COPY into a temporary table (a
    few microseconds a row), then one plain INSERT ... SELECT adds them with an audit event each.

    A plain INSERT costs a third less than INSERT ... ON CONFLICT DO NOTHING, which inserts each
    row speculatively and confirms it after. Should someone sign with one of these emails in
    the meantime, the constraint refuses the INSERT, and it runs again with ON CONFLICT DO NOTHING.
    Returns (id, public id, created_at) of each row added, in id order."""
    quote = connection.ops.quote_name
    columns = [quote(Signature._meta.get_field(name).column) for name in PER_ROW]
    constant_columns, constants = _values(Signature, template, PER_ROW)
    event_columns, event_values = _values(ModerationEvent, event)
    signature_table, event_table = quote(Signature._meta.db_table), quote(ModerationEvent._meta.db_table)
    placeholders = ", ".join(["%s"] * len(constants))
    event_placeholders = ", ".join(["%s"] * len(event_values))

    def statement(on_conflict: str) -> str:
        # (S608: table and column names come from the models; every value is a parameter.)
        return (
            f"WITH added AS (INSERT INTO {signature_table} ({', '.join(columns + constant_columns)}) "  # noqa: S608
            f"SELECT {', '.join(PER_ROW)}, {placeholders} FROM import_rows ORDER BY line "
            f"{on_conflict} RETURNING id, public_id), "
            f"events AS (INSERT INTO {event_table} ({quote('signature_id')}, {', '.join(event_columns)}) "
            f"SELECT id, {event_placeholders} FROM added ORDER BY id) "
            "SELECT id, public_id FROM added ORDER BY id"
        )

    with connection.cursor() as cursor:
        present = _emails_on_letter(cursor, template.letter_id, [row["email_normalized"] for row in signer_rows])
        fresh = [row for row in signer_rows if row["email_normalized"] not in present]
        if not fresh:
            return []
        # Gone at commit; inside a caller's transaction (a test) the next batch empties it.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS import_rows (line integer, "
            + ", ".join(f"{name} text" for name in PER_ROW)
            + ") ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE import_rows")
        with cursor.cursor.copy(f"COPY import_rows (line, {', '.join(PER_ROW)}) FROM STDIN") as copy:
            for line, row in enumerate(fresh):
                copy.write_row((line, *(row[name] for name in PER_ROW)))
        try:
            with transaction.atomic():
                cursor.execute(statement(""), [*constants, *event_values])
                added = cursor.fetchall()
        except IntegrityError:  # signed meanwhile
            cursor.execute(statement("ON CONFLICT DO NOTHING"), [*constants, *event_values])
            added = cursor.fetchall()
    # One creation time for the batch (set on the template by _values): not read back per row.
    return [(pk, public_id, template.created_at) for pk, public_id in added]


def _emails_on_letter(cursor, letter_id: int, emails: list[str]) -> set[str]:
    """Which of these normalized emails have a signature on the letter, asked with the
    one-signature-per-email constraint's own condition so that its index answers."""
    table = connection.ops.quote_name(Signature._meta.db_table)
    cursor.execute(
        f"SELECT email_normalized FROM {table} WHERE letter_id = %s "  # noqa: S608 (the model's table)
        "AND NOT status = 'withdrawn' AND email_normalized = ANY(%s)",
        [letter_id, emails],
    )
    return {email for (email,) in cursor.fetchall()}
