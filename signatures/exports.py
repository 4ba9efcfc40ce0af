"""The public row (one schema for the CSV, the JSON and the feed), and CSV writing: columns
declared once, every cell made safe for spreadsheets, streamed."""

import csv
from collections.abc import Iterable
from datetime import UTC, datetime

from django.http import StreamingHttpResponse

# What the public may know of a signature, in this order: the CSV header, the JSON keys, the feed.
# `letter_version` and `letter_language` name the text the signer read ("es", 1: the Spanish v1).
PUBLIC_COLUMNS = [
    "id",
    "name",
    "title",
    "organization",
    "link",
    "signed_at",
    "verification",
    "letter_version",
    "letter_language",
]
# The Signature fields (for values_list) that make a public row, in PUBLIC_COLUMNS order.
PUBLIC_VALUES = (
    "public_id",
    "name",
    "title",
    "organization",
    "link",
    "created_at",
    "verification",
    "version__number",
    "version__language",
)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def public_row(
    public_id, name, title, organization, link, created_at, verification, version_number, version_language="en"
) -> tuple:
    """A signature as the public sees it, in PUBLIC_COLUMNS order. Never an email."""
    return (
        public_id,
        name,
        title,
        organization,
        link,
        iso_utc(created_at),
        verification,
        version_number,
        version_language,
    )


def public_record(signature) -> dict:
    """The public row of a Signature instance (loaded with its version) as a dict."""
    row = public_row(*(_value(signature, field) for field in PUBLIC_VALUES))
    return dict(zip(PUBLIC_COLUMNS, row, strict=True))


def _value(signature, field: str):
    if field.startswith("version__"):
        return getattr(signature.version, field.removeprefix("version__"))
    return getattr(signature, field)


# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text, with a leading quote when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    def write(self, value):
        return value


_row_writer = csv.writer(_Echo())


def csv_row(values: Iterable) -> str:
    """One row as the CSV download writes it (each cell made safe, quoted where needed), without
    its line ending. The transparency log's leaf for a published row is this text in UTF-8 and
    `verify_list` rebuilds it from a downloaded file's rows: one function, so they never differ."""
    return _row_writer.writerow([safe_cell(v) for v in values]).removesuffix("\r\n")


def csv_lines(header: list[str], rows: Iterable[Iterable], *, bom: bool = True, batch: int = 500):
    """Yield the CSV text in pieces of `batch` rows: constant memory however many rows, and
    few enough pieces that the server is not making a write per row."""
    writer = csv.writer(_Echo())
    if bom:
        yield "\ufeff"  # Excel reads UTF-8 (accented names) only with a byte order mark
    yield writer.writerow(header)
    lines = []
    for row in rows:
        lines.append(csv_row(row) + "\r\n")
        if len(lines) >= batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def csv_response(filename: str, lines: Iterable[str]) -> StreamingHttpResponse:
    """Stream CSV lines (from `csv_lines`) as a download."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
