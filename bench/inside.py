"""Measures taken inside Django (run through `manage.py shell`, which prints their JSON): the
CSV build against a bare COPY of the same rows, and the import."""

import csv
import json
import shutil
import time

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


def import_rows() -> None:
    """`import_signatures` on a file of IMPORT_ROWS new signatories, timed from reading the file
    to the last commit (what the command does, without the interpreter's start)."""
    from letter.models import Letter
    from moderation.services.imports import signatures_import

    path = WORK / "import.csv"
    run = int(time.time())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "title", "organization", "link"])
        for i in range(IMPORT_ROWS):
            link = f"https://lab{i % 700}.example/people/{i}" if i % 3 == 0 else ""
            writer.writerow(
                [f"Launch Signatory {i}", f"l{run}_{i}@lab{i % 700}.example", "Researcher", f"Lab {i % 700}", link]
            )
    letter = Letter.objects.get(slug=SLUG)
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        report = signatures_import(letter=letter, rows=csv.DictReader(handle))
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": IMPORT_ROWS, "added": report.added, "seconds": round(seconds, 2)}))
