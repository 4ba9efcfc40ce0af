"""Serving a file on disk as a download, the way a static file server does: ETag and
Last-Modified with 304s, single byte ranges (206, 416), and HEAD.

Behind nginx (EXPORTS_ACCEL_REDIRECT set, see deploy/nginx.conf) the app only decides which file
and answers conditional requests; nginx sends the bytes (X-Accel-Redirect), so a slow download
holds a connection in nginx, never a web worker. Without it (make run, tests, a bare gunicorn)
the file goes out through the WSGI server's file wrapper (sendfile with gunicorn).
"""

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe

BLOCK = 1 << 16
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) of a single-range header, None to send the whole file (no header, or one
    we do not serve: several ranges, bad syntax), False when the range lies outside the file."""
    match = _RANGE.match(header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length and size else False
    first, last = int(first), min(int(last) if last else size - 1, size - 1)
    if first >= size or last < first:
        return False
    return first, last


def _if_range_holds(request, etag: str, modified: int) -> bool:
    """If-Range: serve the range only if the file is still the one the client has a part of."""
    value = request.headers.get("If-Range")
    if value is None:
        return True
    if value.startswith('"'):
        return value == etag  # a strong comparison, as RFC 9110 asks
    return parse_http_date_safe(value) == modified


def _slice(path: Path, first: int, length: int):
    with path.open("rb") as handle:
        handle.seek(first)
        while length > 0:
            block = handle.read(min(BLOCK, length))
            if not block:
                return
            length -= len(block)
            yield block


def file_response(
    request, *, path: Path, etag: str, content_type: str, filename: str, headers: dict | None = None
) -> HttpResponse:
    """The file at `path` as a download named `filename`. `etag` (quoted) names its content."""
    stat = path.stat()
    modified = int(stat.st_mtime)
    common = {
        "ETag": etag,
        "Last-Modified": http_date(modified),
        "Accept-Ranges": "bytes",
        # Any cache may keep it, and must ask (a 304, cheap) before reusing it.
        "Cache-Control": "public, no-cache",
        **(headers or {}),
    }
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None and settings.EXPORTS_ACCEL_REDIRECT:
        # nginx serves the bytes, ranges included (deploy/nginx.conf, location /_exports/).
        relative = path.relative_to(Path(settings.EXPORTS_DIR)).as_posix()
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.EXPORTS_ACCEL_REDIRECT.rstrip("/") + "/" + relative
    elif response is None:
        wanted = byte_range(request.headers.get("Range", ""), stat.st_size)
        if wanted is not None and not _if_range_holds(request, etag, modified):
            wanted = None
        if wanted is None:
            response = FileResponse(path.open("rb"), content_type=content_type)
        elif wanted is False:
            response = HttpResponse(status=416, content_type=content_type)
            response["Content-Range"] = f"bytes */{stat.st_size}"
        else:
            first, last = wanted
            response = StreamingHttpResponse(
                _slice(path, first, last - first + 1), status=206, content_type=content_type
            )
            response["Content-Range"] = f"bytes {first}-{last}/{stat.st_size}"
            response["Content-Length"] = str(last - first + 1)
    for name, value in common.items():
        response[name] = value
    if response.status_code in (200, 206):
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
