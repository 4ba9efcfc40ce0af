"""The whole list as files (issue 11, item 4): written once per change by a task, sent as bytes
with ETag, Last-Modified and byte ranges, never formatted row by row in a request."""

import csv
import io
import json
import urllib.request
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from freefable.celery import app as celery_app
from moderation.services import decisions
from signatures import tasks
from signatures.exports import PUBLIC_COLUMNS, csv_lines, csv_row, public_record
from signatures.models import LogLeaf, Signature
from signatures.selectors.public import export_rows
from signatures.services import downloads
from signatures.services.log import log_sync
from signatures.services.signing import signature_withdraw
from tests.factories import ApprovedSignatureFactory, LetterFactory, VerifiedSignatureFactory, bulk_signatures

# Cells a spreadsheet would run, cells the csv module must quote, and text COPY must escape.
AWKWARD = [
    {"name": "=cmd|' /C calc'!A0", "title": "+SUM(A1)", "organization": "-2+3", "link": ""},
    {"name": "@SUM(1)", "title": "\tTabbed", "organization": "\rReturned", "link": "https://example.org/a,b"},
    {"name": 'Ada, "the" Countess', "title": "line\nbreak", "organization": "back\\slash \\n not a newline"},
    {"name": "Zoë Ångström-Núñez", "title": "", "organization": "Ünïcode, Inc.", "link": 'https://ex.org/?q="x"'},
    {"name": "Trailing space ", "title": ' "quoted" ', "organization": "carriage\r\nreturn", "link": ""},
]


@pytest.fixture
def moderator(db):
    return get_user_model().objects.create_user("mod", "mod@example.org", "pw-for-tests-only")


def csv_url(letter):
    return f"/letters/{letter.slug}/signatures.csv"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def names_in(response) -> list[str]:
    return [row["name"] for row in csv.DictReader(io.StringIO(body(response).decode("utf-8-sig")))]


def awkward_letter():
    letter = LetterFactory()
    for fields in AWKWARD:
        ApprovedSignatureFactory(letter=letter, **fields)
    # microseconds of 0 are left out of the ISO time, as Python's isoformat does
    on_the_second = ApprovedSignatureFactory(letter=letter, name="On the second")
    Signature.objects.filter(pk=on_the_second.pk).update(created_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    log_sync(letter=letter)
    return letter


@pytest.mark.django_db
def test_the_file_follows_approvals_and_withdrawals(client, letter, moderator):
    first, second = VerifiedSignatureFactory(letter=letter, name="Ann First"), VerifiedSignatureFactory(letter=letter)
    decisions.signature_approve(signature_id=first.pk, moderator=moderator)
    assert names_in(client.get(csv_url(letter))) == ["Ann First"]

    decisions.signature_approve(signature_id=second.pk, moderator=moderator)
    assert names_in(client.get(csv_url(letter))) == ["Ann First", second.name]

    signature_withdraw(public_id=first.public_id)
    response = client.get(csv_url(letter))
    assert names_in(response) == [second.name]
    # a file per state of the list (the newest few kept), and no JSON file until one is asked for
    folder = downloads.download_latest(letter=letter, kind=downloads.CSV).path.parent
    assert len(list(folder.glob("*.csv"))) == 3 and not list(folder.glob("*.json"))


@pytest.mark.django_db
def test_conditional_and_range_requests(client, letter, moderator):
    signature = VerifiedSignatureFactory(letter=letter)
    decisions.signature_approve(signature_id=signature.pk, moderator=moderator)
    full = client.get(csv_url(letter))
    data = body(full)
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert full["Content-Length"] == str(len(data))

    assert client.get(csv_url(letter), HTTP_IF_NONE_MATCH=full["ETag"]).status_code == 304
    assert client.get(csv_url(letter), HTTP_IF_MODIFIED_SINCE=full["Last-Modified"]).status_code == 304

    part = client.get(csv_url(letter), HTTP_RANGE="bytes=3-9")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 3-9/{len(data)}"
    assert body(part) == data[3:10]
    tail = client.get(csv_url(letter), HTTP_RANGE="bytes=-5")
    assert tail.status_code == 206 and body(tail) == data[-5:]
    assert client.get(csv_url(letter), HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    # a range of a file that changed since: the whole new file instead
    stale = client.get(csv_url(letter), HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"0-0-1"')
    assert stale.status_code == 200 and body(stale) == data

    decisions.signature_reject(signature_id=signature.pk, moderator=moderator)
    changed = client.get(csv_url(letter), HTTP_IF_NONE_MATCH=full["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != full["ETag"]
    assert names_in(changed) == []


@pytest.mark.django_db
def test_a_download_reads_no_rows(client, letter, django_assert_max_num_queries):
    bulk_signatures(letter, 3000)
    log_sync(letter=letter)
    assert len(names_in(client.get(csv_url(letter)))) == 3000  # the first download writes the file
    with django_assert_max_num_queries(2):  # the letter and the log's head, however long the list
        response = client.get(csv_url(letter))
        assert len(body(response).splitlines()) == 3001


@pytest.mark.django_db
def test_cells_are_neutralised_and_rows_are_their_log_leaves(client):
    letter = awkward_letter()
    text = body(client.get(csv_url(letter))).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_name = {row["name"]: row for row in rows}
    formula = by_name["'=cmd|' /C calc'!A0"]
    assert (formula["title"], formula["organization"]) == ("'+SUM(A1)", "'-2+3")
    assert by_name["'@SUM(1)"]["title"] == "'\tTabbed"
    assert by_name["'@SUM(1)"]["organization"] == "'\rReturned"
    assert by_name['Ada, "the" Countess']["title"] == "line\nbreak"
    assert by_name["On the second"]["signed_at"] == "2024-05-01T12:00:00Z"
    # each row's text, as the file has it, is the text of a leaf of the letter's log
    leaves = set(LogLeaf.objects.filter(letter=letter).values_list("data", flat=True))
    assert {csv_row(row) for row in export_rows(letter=letter)} <= leaves
    assert all(csv_row(row.values()) in leaves for row in rows)


@pytest.mark.django_db
def test_the_database_writes_the_bytes_python_writes(client, postgres):
    """On PostgreSQL the rows are formatted by COPY: byte for byte the csv module's output."""
    letter = awkward_letter()
    bulk_signatures(letter, 12_000, prefix="=Bulk", title='Title, with "quotes"')  # several COPY batches
    log_sync(letter=letter)
    expected = "".join(csv_lines(PUBLIC_COLUMNS, export_rows(letter=letter))).encode()
    assert body(client.get(csv_url(letter))) == expected


@pytest.mark.django_db
def test_the_whole_list_as_one_json_file(client):
    letter = awkward_letter()
    response = client.get(f"/letters/{letter.slug}/signatures-all.json")
    assert response["Content-Type"] == "application/json"
    data = json.loads(body(response))
    expected = [
        {**public_record(s), "letter_version": s.version.number}
        for s in Signature.objects.public().filter(letter=letter).order_by("approved_at", "id")
    ]
    assert data["count"] == len(expected) == 6
    assert data["results"] == expected
    assert data["letter"]["slug"] == letter.slug
    empty = json.loads(body(client.get(f"/letters/{LetterFactory().slug}/signatures-all.json")))
    assert (empty["count"], empty["results"]) == (0, [])


@pytest.mark.django_db
def test_a_download_behind_the_list_gets_the_last_file_and_queues_one_rebuild(client, letter, moderator, monkeypatch):
    first = VerifiedSignatureFactory(letter=letter, name="Ann First")
    decisions.signature_approve(signature_id=first.pk, moderator=moderator)
    old = client.get(csv_url(letter))
    queued = []
    celery_app.conf.task_always_eager = False  # a worker elsewhere (conftest puts it back)
    monkeypatch.setattr(tasks.refresh_downloads, "apply_async", lambda args, **kw: queued.append(args))

    second = VerifiedSignatureFactory(letter=letter, name="Bo Second")
    decisions.signature_approve(signature_id=second.pk, moderator=moderator)
    for _ in range(3):
        behind = client.get(csv_url(letter))
        assert names_in(behind) == ["Ann First"]
        assert behind["ETag"] == old["ETag"] and behind["X-Data-As-Of"] == old["X-Data-As-Of"]
    assert queued == [(letter.pk,)]  # one rebuild for the three requests

    tasks.refresh_downloads(letter.pk)  # what the worker runs
    assert names_in(client.get(csv_url(letter))) == ["Ann First", "Bo Second"]


@pytest.mark.django_db
def test_beat_writes_every_letters_files(client, letter):
    ApprovedSignatureFactory(letter=letter)
    log_sync(letter=letter)
    assert tasks.refresh_downloads() == 1  # the CSV (a JSON file only once someone asked for one)
    assert tasks.refresh_downloads() == 0  # nothing changed since
    client.get(f"/letters/{letter.slug}/signatures-all.json")
    ApprovedSignatureFactory(letter=letter)
    log_sync(letter=letter)
    assert tasks.refresh_downloads() == 2


@pytest.mark.django_db
@override_settings(EXPORTS_ACCEL_REDIRECT="/_exports/")
def test_behind_the_proxy_the_app_sends_no_bytes(client, letter):
    ApprovedSignatureFactory(letter=letter)
    log_sync(letter=letter)
    response = client.get(csv_url(letter))
    assert response.content == b""
    path = downloads.download_latest(letter=letter, kind=downloads.CSV).path
    assert response["X-Accel-Redirect"] == "/_exports/" + path.relative_to(path.parents[1]).as_posix()
    assert client.get(csv_url(letter), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_nginx_sends_the_file_with_ranges(nginx_proxy, settings):
    settings.EXPORTS_ACCEL_REDIRECT = "/_exports/"
    letter = awkward_letter()
    url = f"{nginx_proxy.url}{csv_url(letter)}"

    def get(**headers):
        request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    status, headers, data = get()
    assert status == 200 and data.startswith("\ufeffid,name".encode())
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"].startswith(f'attachment; filename="{letter.slug}-signatures-')
    assert headers["ETag"] and headers["X-Data-As-Of"]
    status, part_headers, part = get(Range="bytes=10-19")
    assert status == 206 and part == data[10:20] and part_headers["ETag"] == headers["ETag"]
    assert get(**{"If-None-Match": headers["ETag"]})[0] == 304
