"""The whole list as files (CSV and JSON), written once per change of the public list by a task
and served as bytes: no web request reads or formats a row.

Which list a file holds: every change to a letter's public list appends to its transparency log
in the same transaction (services/log.py), so the log's head (size and time of the last append)
names a state of the list. A build reads that state and the rows in one snapshot (REPEATABLE
READ) and writes `<folder>/<state>.<kind>`. A request serves the file of the current state, or,
while the task writes it, the newest one there is: behind by the seconds a build takes, and its
X-Data-As-Of and Last-Modified say so. Only a letter's very first download builds in a request.

On PostgreSQL the database formats every row (`COPY (SELECT <line>) TO STDOUT`), in exactly the
bytes `exports.csv_row` writes, so each CSV row is the text of its log leaf. Other databases
(SQLite for `make run` and the tests) write with the Python csv and json modules.
A change made behind the services' back (a data migration) shows once `tlog_sync` logs it.
"""

import json
import logging
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from letter.models import Letter

from ..exports import PUBLIC_COLUMNS, PUBLIC_VALUES, csv_lines, csv_row, iso_utc, public_row
from ..models import LogHead, Signature
from ..selectors.export_sql import CSV_SQL, FORMAT, JSON_SEPARATORS, JSON_SQL, copy_unescape
from ..selectors.public import export_rows

logger = logging.getLogger(__name__)

KEEP = 3  # files kept per letter and kind: a download that started on an older one can finish
FLUSH_ROWS = 5000  # rows written at a time
# Seconds a download may wait for a file that no task wrote: with the worker down, a request
# builds it itself rather than serve an old list for ever.
STALE_MAX = 300
LOCK_CLASS = 7301  # pg_advisory_lock(LOCK_CLASS, letter id): one builder per letter


@dataclass(frozen=True)
class Kind:
    name: str  # file suffix
    content_type: str


CSV = Kind("csv", "text/csv; charset=utf-8")
JSON = Kind("json", "application/json")
KINDS = (CSV, JSON)


@dataclass(frozen=True)
class Download:
    """A built file: where it is, the list state it holds, and when its rows were read."""

    path: Path
    state: str
    size: int
    as_of: datetime

    @property
    def etag(self) -> str:
        return f'"{self.state}-{self.size:x}"'

    @classmethod
    def of(cls, path: Path) -> "Download":
        stat = path.stat()
        return cls(path, path.name.split(".")[0], stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


# --- Where files are, and which is current -----------------------------------------------------


def list_state(*, letter: Letter) -> str:
    """The state of the letter's public list: its log's size and last append (µs), one
    indexed read. The time tells apart two databases whose logs have the same size."""
    head = LogHead.objects.filter(letter=letter).values_list("size", "updated_at").first()
    if head is None:
        return "0-0"
    return f"{head[0]}-{int(head[1].timestamp() * 1e6)}"


def _folder(letter: Letter) -> Path:
    # The letter's creation time keeps a recreated database from meeting an old one's files.
    return Path(settings.EXPORTS_DIR) / f"letter-{letter.pk}-{int(letter.created_at.timestamp())}-{FORMAT}"


def _path(letter: Letter, kind: Kind, state: str) -> Path:
    return _folder(letter) / f"{state}.{kind.name}"


def download_latest(*, letter: Letter, kind: Kind) -> Download | None:
    """The newest file written for this letter and kind, whatever its state."""
    newest = None
    for path in _folder(letter).glob(f"*.{kind.name}"):
        try:
            candidate = Download.of(path)
        except FileNotFoundError:  # pruned meanwhile
            continue
        if newest is None or candidate.as_of > newest.as_of:
            newest = candidate
    return newest


# --- Building ----------------------------------------------------------------------------------


@contextmanager
def _one_builder(letter_id: int, *, wait: bool):
    """One build per letter at a time, across processes (a PostgreSQL advisory lock, released
    when the connection ends if the process dies). Yields whether this caller got it."""
    if connection.vendor != "postgresql":
        yield True  # SQLite: one process (`make run`, tests)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {'pg_advisory_lock' if wait else 'pg_try_advisory_lock'}(%s, %s)", [LOCK_CLASS, letter_id]
        )
        got = wait or cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, letter_id])


def download_build(*, letter: Letter, kind: Kind, wait: bool = True) -> Download | None:
    """Write the file of the list's current state, unless it exists. Returns it, or None when
    another process is building this letter's files and `wait` is False."""
    with _one_builder(letter.pk, wait=wait) as got:
        if not got:
            return None
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:  # the state and the rows from one snapshot
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            state = list_state(letter=letter)
            path = _path(letter, kind, state)
            if path.exists():
                return Download.of(path)
            as_of = time.time()
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{uuid.uuid4().hex}.tmp")
            try:
                with temporary.open("wb") as out:
                    _write(out, letter=letter, kind=kind, as_of=as_of)
                os.utime(temporary, (as_of, as_of))  # Last-Modified: when the rows were read
                os.replace(temporary, path)  # atomic: a reader sees the whole file or none
            finally:
                temporary.unlink(missing_ok=True)
    _prune(letter, kind)
    return Download.of(path)


def _write(out, *, letter: Letter, kind: Kind, as_of: float) -> None:
    postgres = connection.vendor == "postgresql"
    if kind is CSV:
        if not postgres:
            for piece in csv_lines(PUBLIC_COLUMNS, export_rows(letter=letter), batch=FLUSH_ROWS):
                out.write(piece.encode())
            return
        # csv_lines' first two pieces: the byte order mark (Excel reads UTF-8 only with it), the header
        out.write(("\ufeff" + csv_row(PUBLIC_COLUMNS) + "\r\n").encode())
        _copy(out, CSV_SQL, letter, csv=True, separator=b"\r\n")
        return
    head = {
        "letter": {
            "slug": letter.slug,
            "title": letter.title,
            "version": letter.current_version.number,
            "language": letter.language,
        },
        "count": Signature.objects.public().filter(letter=letter).count(),
        "as_of": iso_utc(datetime.fromtimestamp(as_of, UTC)),
    }
    out.write(json.dumps(head, ensure_ascii=False, separators=JSON_SEPARATORS)[:-1].encode())
    out.write(b', "results" : [\n')
    start = out.tell()
    if postgres:
        _copy(out, JSON_SQL, letter, csv=False, separator=b",\n")
    else:
        for row in _json_rows(letter):
            record = dict(zip(PUBLIC_COLUMNS, row, strict=True))
            out.write(json.dumps(record, ensure_ascii=False, separators=JSON_SEPARATORS).encode() + b",\n")
    if out.tell() > start:  # no comma after the last record
        out.seek(-2, os.SEEK_CUR)
        out.truncate()
        out.write(b"\n")
    out.write(b"]}\n")


def _json_rows(letter: Letter):
    """public_row, the version a number (as in the JSON API)."""
    rows = Signature.objects.public().filter(letter=letter).order_by("approved_at", "id").values_list(*PUBLIC_VALUES)
    for values in rows.iterator(chunk_size=2000):
        yield public_row(*values)


def _copy(out, sql: str, letter: Letter, *, csv: bool, separator: bytes) -> None:
    """Write the rows COPY sends for `sql` (in CSV, or one JSON record per row in text format),
    each followed by `separator` instead of COPY's newline.

    COPY sends one message per row, ending in a newline. A CSV cell may hold a newline too, so
    a batch with more newlines than rows is cut message by message; text format escapes a
    newline in a value (as \\n, with backslashes doubled), so its batches are unescaped."""
    params = {"letter": letter.pk, "status": Signature.Status.APPROVED}
    statement = f"COPY ({sql}) TO STDOUT" + (" (FORMAT csv)" if csv else "")
    pending = []

    def flush():
        data = b"".join(pending)
        if data.count(b"\n") == len(pending):
            data = data.replace(b"\n", separator)
        else:
            data = b"".join(bytes(row)[:-1] + separator for row in pending)
        out.write(data if csv else copy_unescape(data))
        pending.clear()

    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for row in copy:
            pending.append(row)
            if len(pending) >= FLUSH_ROWS:
                flush()
    flush()


def _prune(letter: Letter, kind: Kind) -> None:
    """Keep the newest KEEP files (a download of an older one may still be running: on Linux
    an open file outlives its name) and leftovers of builds that died."""
    folder = _folder(letter)
    files = sorted(folder.glob(f"*.{kind.name}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files[KEEP:]:
        path.unlink(missing_ok=True)
    for path in folder.glob(".*.tmp"):
        if path.stat().st_mtime < time.time() - 3600:
            path.unlink(missing_ok=True)


# --- Serving -----------------------------------------------------------------------------------


def _debounce_key(letter_id: int) -> str:
    return f"downloads:{letter_id}:queued"


def downloads_refresh_soon(*, letter_id: int) -> None:
    """Queue one rebuild of the letter's files, however many requests ask within a few seconds."""
    delay = settings.EXPORTS_DEBOUNCE_SECONDS
    if cache.add(_debounce_key(letter_id), 1, delay + 60):
        task = current_app.tasks["signatures.tasks.refresh_downloads"]
        task.apply_async((letter_id,), countdown=delay)


def downloads_refresh(*, letter: Letter) -> int:
    """Build the letter's files for the current state where missing: the CSV always, the JSON
    once someone asked for it. Returns how many were built. A build already running in another
    process is left to finish."""
    cache.delete(_debounce_key(letter.pk))  # changes from now on queue another run
    built = 0
    state = list_state(letter=letter)
    for kind in KINDS:
        if _path(letter, kind, state).exists() or (kind is not CSV and not any(_folder(letter).glob(f"*.{kind.name}"))):
            continue
        built += download_build(letter=letter, kind=kind, wait=False) is not None
    return built


def download_for_request(*, letter: Letter, kind: Kind) -> Download:
    """The file a download request gets: the current list's, or the newest while a task
    writes the current one. Only when there is none (or the task is long overdue) does the
    request build it, one request at a time."""
    state = list_state(letter=letter)
    path = _path(letter, kind, state)
    if path.exists():
        return Download.of(path)
    latest = download_latest(letter=letter, kind=kind)
    if latest is not None:
        downloads_refresh_soon(letter_id=letter.pk)
        if path.exists():  # tasks run in-process (make run, tests): built just now
            return Download.of(path)
        if time.time() - _changed_at(state) < STALE_MAX:
            return latest
    return download_build(letter=letter, kind=kind)


def _changed_at(state: str) -> float:
    """When the list last changed, from its state (list_state)."""
    return int(state.split("-")[1]) / 1e6
