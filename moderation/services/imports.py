"""Importing signatories gathered before launch (the organizers' launch list).

In batches of BATCH rows, each one transaction of a few statements however many rows: the new
signatures in one INSERT ... ON CONFLICT DO NOTHING (an email already on the letter, or twice in
the file, is left out by the database's own one-signature-per-email constraint), their audit
events with them, and one append of their leaves to the transparency log. Rows are checked with
the sign form's own field checks, without building a form for each row.

On PostgreSQL the rows reach the database by COPY into a temporary table, and one statement
inserts them and their events from there; elsewhere (SQLite) bulk_create does the same job.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from letter.models import Letter
from signatures.exports import PUBLIC_VALUES, public_row
from signatures.forms import SignatureForm
from signatures.models import ModerationEvent, Signature
from signatures.selectors.cache import public_list_changed
from signatures.services.log import log_append
from signatures.services.signing import signer_fields

from .decisions import _event

Status = Signature.Status
COLUMNS = ("name", "email", "title", "organization", "link")
BATCH = 5000
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

    def _clean(self, name: str, value: str):
        form = self.form
        form.cleaned_data[name] = form.fields[name].clean(value)
        if hasattr(form, f"clean_{name}"):
            form.cleaned_data[name] = getattr(form, f"clean_{name}")()
        return form.cleaned_data[name]

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

    On PostgreSQL, outside a transaction, a second thread (with its own connection) writes each
    batch while this one checks the next: the checks and the database's work overlap, on two
    cores nearly halving the time.
    """
    report = ImportReport()
    check = RowChecker()
    numbered = enumerate(rows, start=2)  # line 1 is the header
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        while batch := list(islice(numbered, BATCH)):
            _write_batch(letter, _prepared_batch(batch, check, report), actor, report)
        return report
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending = None
        try:
            while batch := list(islice(numbered, BATCH)):
                prepared = _prepared_batch(batch, check, report)
                if pending is not None:
                    pending.result()  # one batch in flight: batches commit in file order
                pending = writer.submit(_write_batch, letter, prepared, actor, report)
            if pending is not None:
                pending.result()
        finally:
            writer.submit(connections.close_all)  # the writer thread's connection
    return report


def _prepared_batch(batch: list, check: RowChecker, report: ImportReport) -> list[dict]:
    """The rows of a batch that pass the checks, with the stored forms of name and email and a
    public id each; the others go to the report."""
    prepared = []
    public_id = Signature._meta.get_field("public_id").get_default
    for line, row in batch:
        data, reasons = check(row)
        if reasons:
            report.rejected.append((line, reasons))
            continue
        prepared.append({**data, **signer_fields(name=data["name"], email=data["email"]), "public_id": public_id()})
    return prepared


def _write_batch(letter: Letter, signer_rows: list[dict], actor, report: ImportReport) -> None:
    """Insert one batch with its audit events and log leaves, in one transaction."""
    if not signer_rows:
        return
    now = timezone.now()
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
        added = insert(signer_rows, template, event)
        # In the batch's transaction, so what is public is logged. The rows are the public rows
        # `log.public_rows` would read back (in id order: one approval time), made from what
        # was just written instead of read again.
        by_public_id = {row["public_id"]: row for row in signer_rows}
        version = (letter.current_version.number, letter.current_version.language)
        log_append(
            letter=letter,
            rows=[_public_row(by_public_id[public_id], created_at, version) for _pk, public_id, created_at in added],
        )
        transaction.on_commit(partial(public_list_changed, letter.pk))
    report.added += len(added)
    report.skipped += len(signer_rows) - len(added)


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
    """PostgreSQL: COPY the rows into a temporary table (a few microseconds a row), then one
    statement inserts the signatures that do not conflict and an audit event for each.
    Returns (id, public id, created_at) of each, in id order."""
    quote = connection.ops.quote_name
    columns = [quote(Signature._meta.get_field(name).column) for name in PER_ROW]
    constant_columns, constants = _values(Signature, template, PER_ROW)
    event_columns, event_values = _values(ModerationEvent, event)
    signature_table, event_table = quote(Signature._meta.db_table), quote(ModerationEvent._meta.db_table)
    placeholders = ", ".join(["%s"] * len(constants))
    event_placeholders = ", ".join(["%s"] * len(event_values))
    # (S608: table and column names come from the models; every value is a parameter.)
    statement = (
        f"WITH added AS (INSERT INTO {signature_table} ({', '.join(columns + constant_columns)}) "  # noqa: S608
        f"SELECT {', '.join(PER_ROW)}, {placeholders} FROM import_rows ORDER BY line "
        "ON CONFLICT DO NOTHING RETURNING id, public_id, created_at), "
        f"events AS (INSERT INTO {event_table} ({quote('signature_id')}, {', '.join(event_columns)}) "
        f"SELECT id, {event_placeholders} FROM added ORDER BY id) "
        "SELECT id, public_id, created_at FROM added ORDER BY id"
    )
    with connection.cursor() as cursor:
        # Gone at commit; inside a caller's transaction (a test) the next batch empties it.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS import_rows (line integer, "
            + ", ".join(f"{name} text" for name in PER_ROW)
            + ") ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE import_rows")
        with cursor.cursor.copy(f"COPY import_rows (line, {', '.join(PER_ROW)}) FROM STDIN") as copy:
            for line, row in enumerate(signer_rows):
                copy.write_row((line, *(row[name] for name in PER_ROW)))
        cursor.execute(statement, [*constants, *event_values])
        return cursor.fetchall()
