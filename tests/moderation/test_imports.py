"""The launch-list import in batches (issue 11, item 5): a few statements per batch of
thousands, idempotent, every row checked like the sign form, every added row logged."""

import csv
import io

import pytest
from django.db import connection

from moderation.services import imports
from signatures.exports import csv_row
from signatures.models import LogLeaf, ModerationEvent, Signature
from signatures.selectors.public import export_rows
from tests.factories import ApprovedSignatureFactory


def launch_rows(count, *, start=0, domain="launch.example"):
    return [
        {
            "name": f"Launch Person {i}",
            "email": f"person{i}@{domain}",
            "title": "Researcher" if i % 2 else "",
            "organization": f"Lab {i % 7}",
            "link": f"https://lab.example/p{i}" if i % 3 == 0 else "",
        }
        for i in range(start, start + count)
    ]


def assert_logged(letter):
    """Every public row is, byte for byte, the text of a leaf; one leaf per row added."""
    leaves = list(LogLeaf.objects.filter(letter=letter).values_list("data", flat=True))
    public = [csv_row(row) for row in export_rows(letter=letter)]
    assert sorted(leaves) == sorted(public)


@pytest.mark.django_db
def test_rows_are_checked_like_the_sign_form_and_reported_by_line(letter):
    ApprovedSignatureFactory(letter=letter, email="already@example.org")
    rows = [
        {"name": "Ok One", "email": "one@example.org", "link": "example.org/one"},
        {"name": "", "email": "noname@example.org"},
        {"name": "Visit www.spam.example", "email": "spam@example.org"},
        {"name": "Bad Link", "email": "link@example.org", "link": "javascript:alert(1)"},
        {"name": "Already", "email": "ALREADY@example.org"},
        {"name": "Ok Two", "email": "one@EXAMPLE.org"},  # the same email again, in the file
        {"name": "Tab\u0007Name", "email": "bell@example.org"},
    ]
    report = imports.signatures_import(letter=letter, rows=rows)
    assert (report.added, report.skipped) == (1, 2)
    assert [line for line, _ in report.rejected] == [3, 4, 5, 8]
    assert report.rejected[0][1] == "name: Please enter your name."
    assert report.rejected[2][1] == "link: Only web links starting with http:// or https:// are accepted."
    one = Signature.objects.get(email_normalized="one@example.org")
    assert one.link == "https://example.org/one"  # cleaned as the form cleans it
    assert one.verification == Signature.Verification.LAUNCH_LIST and one.status == Signature.Status.APPROVED
    assert ModerationEvent.objects.filter(action="import", signature=one).count() == 1


@pytest.mark.django_db
def test_a_batch_is_a_few_statements_and_logged(letter, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 1500)
    # Two batches of some 16 statements each (emails already there, COPY, INSERT, the search
    # indexes merged, the log), not a statement per row (SQLite splits an INSERT every 999
    # parameters).
    with django_assert_max_num_queries(40 if connection.vendor == "postgresql" else 200):
        report = imports.signatures_import(letter=letter, rows=launch_rows(3000))
    assert report.added == 3000
    assert ModerationEvent.objects.filter(action="import").count() == 3000
    assert_logged(letter)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_second_thread_writes_while_the_next_batch_is_checked(postgres, letter, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 1000)
    rows = launch_rows(3500)
    rows[10]["email"] = rows[2]["email"]  # a duplicate in the file: the first one wins
    rows[2500]["email"] = "not an email"
    report = imports.signatures_import(letter=letter, rows=rows)
    assert (report.added, report.skipped, [line for line, _ in report.rejected]) == (3498, 1, [2502])
    assert Signature.objects.filter(letter=letter, status="approved").count() == 3498
    assert Signature.objects.get(email_normalized=rows[2]["email"]).name == "Launch Person 2"
    assert_logged(letter)

    again = imports.signatures_import(letter=letter, rows=rows)  # idempotent
    assert (again.added, again.skipped) == (0, 3499)
    assert LogLeaf.objects.filter(letter=letter).count() == 3498

    # Batches written side by side still reach the public list, and the log, in file order.
    names = [name for _id, name, *_ in export_rows(letter=letter)]
    expected = [row["name"] for i, row in enumerate(rows) if i not in (10, 2500)]
    assert names == expected
    logged = LogLeaf.objects.filter(letter=letter).order_by("index").values_list("data", flat=True)
    assert list(logged) == [csv_row(row) for row in export_rows(letter=letter)]


@pytest.mark.services
@pytest.mark.django_db
def test_someone_signing_with_an_email_meanwhile_leaves_that_row_out(postgres, letter, monkeypatch):
    # Between the lookup of emails already on the letter and the INSERT, a signer signs with
    # one of them: the constraint refuses the INSERT, and it runs again leaving that row out.
    ApprovedSignatureFactory(letter=letter, email="person1@launch.example")
    monkeypatch.setattr(imports, "_emails_on_letter", lambda cursor, letter_id, emails: set())
    report = imports.signatures_import(letter=letter, rows=launch_rows(3))
    assert (report.added, report.skipped) == (2, 1)
    assert Signature.objects.filter(email_normalized="person1@launch.example").count() == 1
    assert ModerationEvent.objects.filter(action="import").count() == 2
    leaves = set(LogLeaf.objects.filter(letter=letter).values_list("data", flat=True))
    imported = {csv_row(row) for row in export_rows(letter=letter) if row[6] == "launch"}
    assert len(imported) == 2 and leaves == imported


@pytest.mark.django_db
def test_the_command_reads_a_file_in_batches(tmp_path, letter, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setattr(imports, "BATCH", 100)
    path = tmp_path / "launch.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=imports.COLUMNS)
        writer.writeheader()
        writer.writerows(launch_rows(250))
    out = io.StringIO()
    call_command("import_signatures", str(path), "--letter", letter.slug, stdout=out)
    assert "Added 250, skipped 0 already present, rejected 0." in out.getvalue()


@pytest.mark.services
@pytest.mark.django_db
def test_an_import_leaves_nothing_pending_in_the_search_indexes(postgres, letter, monkeypatch):
    # Each batch collects its entries for the search (GIN) indexes unsorted and merges them into
    # the indexes before it commits; the site's connections keep short pending lists.
    monkeypatch.setattr(imports, "BATCH", 1000)

    def limit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW gin_pending_list_limit")
            return cursor.fetchone()[0]

    assert limit() == "256kB"
    report = imports.signatures_import(letter=letter, rows=launch_rows(2500))
    assert report.added == 2500 and limit() == "256kB"
    gin = imports._gin_batched()
    assert len(gin) == 4
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(i) FROM unnest(%s::regclass[]) i", [gin])
        assert [pages for (pages,) in cursor.fetchall()] == [0, 0, 0, 0]  # nothing left to merge


@pytest.mark.services
@pytest.mark.django_db
def test_the_tables_an_import_writes_keep_no_index_another_one_covers(postgres):
    # Every row an import adds updates every index of these tables: none is there twice (a
    # letter's rows are found by the indexes that start with the letter; no LIKE is asked of
    # public ids or name keys), and rows without a moderator are in no index of moderators.
    tables = ["signatures_signature", "signatures_moderationevent", "signatures_logleaf", "signatures_lognode"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        found = cursor.fetchall()
    definitions = [definition for _table, definition in found]
    assert [d for d in definitions if "pattern_ops" in d] == []
    assert [d for d in definitions if d.endswith("(letter_id)")] == []
    for column in ("moderated_by_id", "actor_id"):
        on_column = [d for d in definitions if f"({column})" in d]
        assert on_column and all(d.endswith(f"WHERE ({column} IS NOT NULL)") for d in on_column)
    assert any("UNIQUE" in d and d.endswith("(public_id)") for d in definitions)
