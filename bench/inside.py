"""Measures taken inside Django (run through `manage.py shell`, which prints their JSON): the
CSV build against a bare COPY of the same rows, and the import."""

import csv
import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from .config import IMPORT_ROWS, SLUG, WORK

BARE_COPY = (
    "COPY (SELECT s.public_id, s.name, s.title, s.organization, s.link, s.created_at, s.verification, v.number, v.language "
    "FROM signatures_signature s JOIN letter_letterversion v ON v.id = s.version_id "
    "WHERE s.letter_id = %s AND s.status = 'approved' ORDER BY s.approved_at, s.id) TO STDOUT (FORMAT csv)"
)


def _bare_copy(letter_id: int) -> float:
    """COPY of the rows the CSV holds, written to a file as they come: the floor of the build."""
    from django.db import connection

    started = time.perf_counter()
    with (
        (WORK / "bare-copy.csv").open("wb") as out,
        connection.cursor() as cursor,
        cursor.cursor.copy(BARE_COPY, [letter_id]) as copy,
    ):
        for block in copy:
            out.write(block)
    return time.perf_counter() - started


def csv_build() -> None:
    """The CSV file of the whole list (services/downloads.py), written from scratch, beside a
    bare COPY; the better of two tries of each, alternating, so both see the same machine."""
    from letter.models import Letter
    from signatures.services import downloads

    letter = Letter.objects.get(slug=SLUG)
    build, bare = [], []
    for _ in range(2):
        shutil.rmtree(downloads._folder(letter), ignore_errors=True)
        started = time.perf_counter()
        made = downloads.download_build(letter=letter, kind=downloads.CSV)
        build.append(time.perf_counter() - started)
        bare.append(_bare_copy(letter.pk))
    rows = made.path.read_bytes().count(b"\r\n") - 1
    print(
        json.dumps(
            {
                "build_s": round(min(build), 2),
                "bare_s": round(min(bare), 2),
                "rows": rows,
                "mb": round(made.size / 1e6, 1),
            }
        )
    )


def _launch_rows(tag: str):
    """The file's rows (name, email, title, organization, link): what an organizer's list holds."""
    for i in range(IMPORT_ROWS):
        link = f"https://lab{i % 700}.example/people/{i}" if i % 3 == 0 else ""
        yield f"Launch Signatory {i}", f"{tag}_{i}@lab{i % 700}.example", "Researcher", f"Lab {i % 700}", link


def _import_once(letter) -> float:
    """`import_signatures` on a file of IMPORT_ROWS new signatories, timed from reading the file
    to the last commit (what the command does, without the interpreter's start)."""
    from moderation.services.imports import signatures_import

    path = WORK / "import.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "title", "organization", "link"])
        writer.writerows(_launch_rows(f"l{time.time_ns()}"))
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        report = signatures_import(letter=letter, rows=csv.DictReader(handle))
    seconds = time.perf_counter() - started
    assert report.added == IMPORT_ROWS, report
    return seconds


CEILING_STREAMS = 2  # one connection per core


def _bare_insert(letter, rows: list[tuple]) -> None:
    """COPY rows, already checked and with their stored forms, straight into the signatures
    table with every index it has, its search indexes merged and its keys checked as the
    import does, and commit: the least PostgreSQL must do to take them."""
    from django.db import connection, connections, transaction

    from moderation.services.imports import _gin_batched

    columns = "public_id, name, name_key, email, email_normalized, email_base, title, organization, link"
    constant = (letter.pk, letter.current_version_id, "en", "approved", "launch", False, False, "")
    constant_columns = "letter_id, version_id, language, status, verification, featured, identification_only"
    constant_columns += ", updates_consent_text, created_at, verified_at, approved_at, moderation_note"
    constant_columns += ", network_hash, suspicious_reasons, email_failed"
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
            sql = f"COPY signatures_signature ({columns}, {constant_columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row((*row, *constant, now, now, now, "Imported", "", "[]", False))
            cursor.execute("SELECT gin_clean_pending_list(i) FROM unnest(%s::regclass[]) i", [_gin_batched()])
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    finally:
        connections.close_all()  # this thread's


def _ceiling_once(letter) -> float:
    """The same number of rows by _bare_insert over CEILING_STREAMS connections at once."""
    from signatures.models import new_public_id
    from signatures.services.signing import signer_fields

    rows = []
    for name, email, title, organization, link in _launch_rows(f"c{time.time_ns()}"):
        fields = signer_fields(name=name, email=email)
        rows.append((new_public_id(), name, fields["name_key"], email, fields["email_normalized"]))
        rows[-1] += (fields["email_base"], title, organization, link)
    started = time.perf_counter()
    with ThreadPoolExecutor(CEILING_STREAMS) as streams:
        parts = [rows[i::CEILING_STREAMS] for i in range(CEILING_STREAMS)]
        list(streams.map(partial(_bare_insert, letter), parts))
    return time.perf_counter() - started


def import_rows() -> None:
    """The import beside its ceiling, alternating, the better of two of each (both add rows
    to the same table, so each sees it the same size in turn)."""
    from letter.models import Letter

    letter = Letter.objects.get(slug=SLUG)
    imports, ceilings = [], []
    for _ in range(2):
        imports.append(_import_once(letter))
        ceilings.append(_ceiling_once(letter))
    print(
        json.dumps(
            {
                "rows": IMPORT_ROWS,
                "added": IMPORT_ROWS,
                "seconds": round(min(imports), 2),
                "ceiling_seconds": round(min(ceilings), 2),
                "all_seconds": [round(s, 2) for s in imports],
                "all_ceiling_seconds": [round(s, 2) for s in ceilings],
            }
        )
    )
