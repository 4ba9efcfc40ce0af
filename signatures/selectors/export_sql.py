"""The public rows as PostgreSQL formats them for the download files: each cell exactly as
`exports.public_row` and `safe_cell` make it, so `COPY (SELECT ...) TO STDOUT` writes the bytes of
`exports.csv_row` (the text of each row's log leaf). services/downloads.py runs them."""

import hashlib
import re

from letter.models import LetterVersion

from ..exports import PUBLIC_COLUMNS, PUBLIC_VALUES
from ..models import Signature

_T = Signature._meta.db_table
_V = LetterVersion._meta.db_table


def _safe(column: str) -> str:
    """exports.safe_cell in SQL: a leading quote before what a spreadsheet would run (= + - @
    tab return). An empty cell becomes NULL, which COPY writes as nothing (it quotes '')."""
    return f"CASE WHEN ascii({column}) IN (61, 43, 45, 64, 9, 13) THEN '''' || {column} ELSE nullif({column}, '') END"


# exports.iso_utc: microseconds only when there are any, "Z" for UTC.
_SIGNED_AT = """replace(to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z')"""
# Each of exports.PUBLIC_VALUES as `public_row` and `safe_cell` make it. COPY's CSV format then
# quotes what the csv module quotes (a comma, a quote or a line break; quotes doubled).
_CELLS = {
    "public_id": _safe("s.public_id"),
    "name": _safe("s.name"),
    "title": _safe("s.title"),
    "organization": _safe("s.organization"),
    "link": _safe("s.link"),
    "created_at": _SIGNED_AT,
    "verification": _safe("s.verification"),
    "version__number": "v.number",
    "version__language": _safe("v.language"),
}
assert tuple(_CELLS) == PUBLIC_VALUES, "downloads: a public column has no SQL here; add it to _CELLS"
# The rows of export_rows(): approved, oldest approval first.
# (S608: the statements are built from the constants here; values are parameters.)
_ROWS = (
    "SELECT {columns} FROM " + f"{_T} s JOIN {_V} v ON v.id = s.version_id "  # noqa: S608
    "WHERE s.letter_id = %(letter)s AND s.status = %(status)s ORDER BY s.approved_at, s.id"
)
CSV_SQL = _ROWS.format(columns=", ".join(_CELLS.values()))
# A JSON record per row (exports.public_record, the version a number): json_build_object writes
# `{"k" : v, ...}`, and the Python path writes the same with separators=(", ", " : ").
_JSON_VALUES = [
    "s.public_id",
    "s.name",
    "s.title",
    "s.organization",
    "s.link",
    _SIGNED_AT,
    "s.verification",
    "v.number",
    "v.language",
]
JSON_SQL = _ROWS.format(
    columns="json_build_object({})::text".format(
        ", ".join(f"'{name}', {value}" for name, value in zip(PUBLIC_COLUMNS, _JSON_VALUES, strict=True))
    )
)
JSON_SEPARATORS = (", ", " : ")

# A format change (a column, a quoting rule) must not serve files written by the old code.
FORMAT = hashlib.sha256(repr((PUBLIC_COLUMNS, CSV_SQL, JSON_SQL)).encode()).hexdigest()[:8]


# COPY's text format escapes a backslash and these control characters; every other byte is as stored.
_UNESCAPE = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_ESCAPED = re.compile(rb"\\(.)", re.DOTALL)


def copy_unescape(data: bytes) -> bytes:
    return _ESCAPED.sub(lambda m: _UNESCAPE[m[1]], data) if b"\\" in data else data
