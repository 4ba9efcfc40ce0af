"""The letter's transparency log: what is stored, what is signed, what the proofs prove, and
that a journalist's `verify_list` accepts a true list and names what is wrong with a false one."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from moderation.services import decisions, imports
from signatures import notes, tlog
from signatures.models import Checkpoint, LogLeaf, LogNode, Signature
from signatures.selectors import log as log_reads
from signatures.services import checkpoints, log
from signatures.services.signing import signature_withdraw
from tests.factories import ApprovedSignatureFactory, LetterFactory, VerifiedSignatureFactory, bulk_signatures

ROOT = Path(__file__).resolve().parents[2]
TEST_KEY = base64.b64encode(b"freefable tests: not a real key!").decode()


@pytest.fixture(autouse=True)
def _signing_key(settings):
    """Tests run with DEBUG off, as Django's test runner sets it, so they need a key."""
    settings.TLOG_SIGNING_KEY = TEST_KEY
    settings.TLOG_KEY_NAME = ""


def publish(letter, signatures):
    return log.log_append(letter=letter, rows=log.public_rows(signature_ids=[s.pk for s in signatures]))


def verifier():
    return checkpoints.log_signer().verifier


def memory_tree(letter):
    texts = LogLeaf.objects.filter(letter=letter).order_by("index").values_list("leaf_hash", flat=True)
    return tlog.MemoryTree(bytes(h) for h in texts)


# --- Storage and proofs, by direct calls -------------------------------------------------------


@pytest.mark.django_db
def test_a_published_row_is_its_csv_line(letter):
    signature = ApprovedSignatureFactory(
        letter=letter, name='Ada, "the" Countess', title="=HYPERLINK()", organization="Analytical Engines"
    )
    publish(letter, [signature])
    leaf = LogLeaf.objects.get(letter=letter)
    created = signature.created_at.isoformat().replace("+00:00", "Z")
    assert leaf.data == (
        f'{signature.public_id},"Ada, ""the"" Countess",\'=HYPERLINK(),Analytical Engines,,'
        f"{created},email,{letter.current_version.number},en"
    )
    assert bytes(leaf.leaf_hash) == tlog.leaf_hash(leaf.data.encode())
    assert leaf.kind == LogLeaf.Kind.PUBLISHED and leaf.index == 0


@pytest.mark.django_db
def test_roots_and_proofs_match_a_tree_built_in_memory(letter):
    signatures = bulk_signatures(letter, 300)
    for start, stop in ((0, 1), (1, 2), (2, 7), (7, 64), (64, 65), (65, 300)):  # appends of every shape
        publish(letter, signatures[start:stop])
    log.log_remove(letter=letter, public_ids=[signatures[5].public_id])
    tree = memory_tree(letter)
    assert tree.size == log_reads.log_size(letter=letter) == 301
    assert LogNode.objects.filter(letter=letter).count() == sum(len(level) for level in tree.levels[1:])
    for size in (1, 2, 3, 5, 8, 63, 64, 65, 128, 255, 256, 257, 300, 301):
        root = log_reads.log_root(letter=letter, size=size)
        assert root == tree.root(size)
        for index in {0, size // 3, size - 1}:
            proof = log_reads.inclusion_proof(letter=letter, leaf_hash=tree.node(0, index), tree_size=size)
            assert proof["leaf_index"] == index and proof["tree_size"] == size
            path = [bytes.fromhex(h) for h in proof["hashes"]]
            assert tlog.verify_inclusion(tree.node(0, index), index, size, path, root)
        for first in {1, size // 2 or 1, size}:
            proof = log_reads.consistency_proof(letter=letter, first=first, second=size)
            path = [bytes.fromhex(h) for h in proof["hashes"]]
            assert tlog.verify_consistency(first, size, tree.root(first), root, path)


@pytest.mark.django_db
def test_bad_proof_requests_say_what_is_wrong(letter):
    publish(letter, bulk_signatures(letter, 3))
    with pytest.raises(log_reads.LogError, match="between 1 and 3"):
        log_reads.inclusion_proof(letter=letter, leaf_hash=bytes(32), tree_size=4)
    with pytest.raises(log_reads.LogError, match="no leaf with this hash"):
        log_reads.inclusion_proof(letter=letter, leaf_hash=bytes(32), tree_size=3)
    with pytest.raises(log_reads.LogError, match="first must be"):
        log_reads.consistency_proof(letter=letter, first=0, second=3)
    with pytest.raises(log_reads.LogError, match="between 1 and 3"):
        log_reads.consistency_proof(letter=letter, first=1, second=9)


def test_a_bulk_append_is_a_few_statements(postgres, letter, django_assert_max_num_queries):
    signatures = bulk_signatures(letter, 10_000)
    rows = log.public_rows(signature_ids=[s.pk for s in signatures])
    publish(letter, signatures[:3])
    with django_assert_max_num_queries(14):
        assert log.log_append(letter=letter, rows=rows) == 10_003
    with django_assert_max_num_queries(12):
        checkpoints.checkpoint_publish(letter=letter)
    leaf = tlog.leaf_hash(log.leaf_text(rows[1234]).encode())
    with django_assert_max_num_queries(4):
        proof = log_reads.inclusion_proof(letter=letter, leaf_hash=leaf, tree_size=10_003)
    assert proof["leaf_index"] == 1237


@pytest.mark.django_db
def test_withdrawal_erases_the_text_and_keeps_the_hash(letter):
    stays, leaves = ApprovedSignatureFactory(letter=letter), ApprovedSignatureFactory(letter=letter)
    publish(letter, [stays, leaves])
    before = memory_tree(letter).root()
    log.log_remove(letter=letter, public_ids=[leaves.public_id])
    log.log_erase(public_ids=[leaves.public_id])
    erased = LogLeaf.objects.get(letter=letter, index=1)
    assert erased.data == "" and erased.public_id == leaves.public_id
    assert leaves.name not in "".join(LogLeaf.objects.values_list("data", flat=True))
    assert LogLeaf.objects.get(letter=letter, index=2).data == f"removed,{leaves.public_id}"
    assert log_reads.log_root(letter=letter, size=2) == before


@pytest.mark.django_db
def test_checkpoints_are_signed_kept_and_only_made_when_the_log_grew(letter):
    first = checkpoints.checkpoint_publish(letter=letter)
    assert first.tree_size == 0 and bytes(first.root_hash) == tlog.EMPTY_ROOT
    publish(letter, bulk_signatures(letter, 5))
    second = checkpoints.checkpoint_publish(letter=letter)
    assert checkpoints.checkpoint_publish(letter=letter) == second
    opened = notes.checkpoint_open(second.note, verifier())
    assert opened == notes.Checkpoint(f"testserver/letters/{letter.slug}", 5, log_reads.log_root(letter=letter, size=5))
    assert list(Checkpoint.objects.filter(letter=letter).values_list("tree_size", flat=True)) == [5, 0]
    assert checkpoints.checkpoint_summary(second)["root_hash"] == base64.b64encode(opened.root).decode()


@pytest.mark.django_db
def test_the_signing_key_comes_from_the_environment(letter, settings):
    key = base64.b64encode(bytes(range(32))).decode()
    settings.TLOG_SIGNING_KEY, settings.TLOG_KEY_NAME = key, "letters.example.org"
    assert checkpoints.log_signer() == notes.Signer("letters.example.org", bytes(range(32)))
    checkpoint = checkpoints.checkpoint_publish(letter=letter)
    assert checkpoint.note.startswith(f"letters.example.org/letters/{letter.slug}\n0\n")
    assert "\n\n\u2014 letters.example.org " in checkpoint.note
    # no key: development signs with a key derived from SECRET_KEY; production refuses
    settings.TLOG_SIGNING_KEY, settings.DEBUG = "", True
    assert checkpoints.log_signer().seed != bytes(range(32))
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="TLOG_SIGNING_KEY"):
        checkpoints.checkpoint_publish(letter=letter)


# --- Over HTTP ---------------------------------------------------------------------------------


def log_url(letter, what):
    return f"/letters/{letter.slug}/log/{what}"


@pytest.mark.django_db
def test_checkpoint_and_key_are_served_as_text(client, letter):
    publish(letter, bulk_signatures(letter, 3))
    response = client.get(log_url(letter, "checkpoint"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    vkey = client.get(log_url(letter, "key")).content.decode().strip()
    checkpoint = notes.checkpoint_open(response.content.decode(), notes.Verifier.from_vkey(vkey))
    assert checkpoint.size == 3 and checkpoint.origin == f"testserver/letters/{letter.slug}"
    listed = client.get(log_url(letter, "checkpoints")).json()
    assert [c["tree_size"] for c in listed["checkpoints"]] == [3] and listed["next"] is None
    assert listed["checkpoints"][0]["note"] == response.content.decode()
    assert client.get("/letters/no-such-letter/log/checkpoint").status_code == 404


@pytest.mark.django_db
def test_proofs_over_http_verify(client, letter):
    rows = log.public_rows(signature_ids=[s.pk for s in bulk_signatures(letter, 11)])
    log.log_append(letter=letter, rows=rows[:6])
    first = notes.checkpoint_open(client.get(log_url(letter, "checkpoint")).content.decode(), verifier())
    log.log_append(letter=letter, rows=rows[6:])
    second = notes.checkpoint_open(client.get(log_url(letter, "checkpoint")).content.decode(), verifier())
    leaf = tlog.leaf_hash(log.leaf_text(rows[4]).encode())
    proof = client.get(log_url(letter, "proof"), {"leaf": leaf.hex(), "size": 11}).json()
    assert proof["leaf_index"] == 4 and proof["tree_size"] == 11
    assert tlog.verify_inclusion(leaf, 4, 11, [bytes.fromhex(h) for h in proof["hashes"]], second.root)
    response = client.get(log_url(letter, "consistency"), {"first": 6, "second": 11})
    assert "immutable" in response["Cache-Control"]
    hashes = [bytes.fromhex(h) for h in response.json()["hashes"]]
    assert tlog.verify_consistency(6, 11, first.root, second.root, hashes)
    body = client.get(log_url(letter, "leaves"), {"start": 0, "count": 11}).content
    assert tlog.MemoryTree(body[i : i + 32] for i in range(0, len(body), 32)).root() == second.root


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("what", "params", "status", "message"),
    [
        ("proof", {"leaf": "xyz", "size": "1"}, 400, "64 hexadecimal"),
        ("proof", {"size": "1"}, 400, "64 hexadecimal"),
        ("proof", {"leaf": "ab" * 32, "size": "one"}, 400, "'size' must be a whole number"),
        ("proof", {"leaf": "ab" * 32, "size": "-1"}, 400, "'size' must be a whole number"),
        ("proof", {"leaf": "ab" * 32, "size": "9" * 40}, 400, "'size' must be a whole number"),
        ("proof", {"leaf": "ab" * 32, "size": "4"}, 400, "between 1 and 2"),
        ("proof", {"leaf": "ab" * 32, "size": "0"}, 400, "between 1 and 2"),
        ("proof", {"leaf": "ab" * 32, "size": "2"}, 404, "no leaf with this hash"),
        ("consistency", {"first": "0", "second": "2"}, 400, "first must be"),
        ("consistency", {"first": "2", "second": "1"}, 400, "first must be"),
        ("consistency", {"first": "1"}, 400, "'second' must be"),
        ("consistency", {"first": "1", "second": "3"}, 400, "between 1 and 2"),
        ("checkpoints", {"before": "x"}, 400, "'before' must be"),
        ("leaves", {"start": "0", "count": "3"}, 400, "ask only for leaves it has"),
        ("leaves", {"start": "0", "count": "0"}, 400, "count must be between 1 and 65536"),
        ("leaves", {"start": "0"}, 400, "'count' must be"),
    ],
)
def test_bad_parameters_get_a_readable_400(client, letter, what, params, status, message):
    publish(letter, bulk_signatures(letter, 2))
    response = client.get(log_url(letter, what), params)
    assert response.status_code == status
    assert message in response.json()["error"]


@pytest.mark.django_db
def test_without_a_key_in_production_the_checkpoint_is_503_not_500(client, letter, settings):
    settings.TLOG_SIGNING_KEY, settings.DEBUG = "", False
    response = client.get(log_url(letter, "checkpoint"))
    assert response.status_code == 503
    assert "no signing key" in response.content.decode()


def test_check_deploy_requires_the_signing_key(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "0",
        "SECRET_KEY": "tests-" + "k3y-" * 15,
        "ALLOWED_HOSTS": "letter.example.org",
        "SITE_URL": "https://letter.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "signatures.E002" in result.stderr and "tlog_keygen" in result.stderr
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "TLOG_SIGNING_KEY": "not-a-key"},
        text=True,
        capture_output=True,
    )
    assert result.returncode != 0 and "signatures.E001" in result.stderr


def test_tlog_keygen_prints_a_usable_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "tlog_keygen", "--name", "letter.example.org"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    key = next(line.split("=", 1)[1] for line in lines if line.startswith("TLOG_SIGNING_KEY="))
    signer = notes.Signer.from_setting(key, "letter.example.org")
    assert f"# {signer.verifier.vkey}" in lines and "TLOG_KEY_NAME=letter.example.org" in lines


# --- The moderation services log every change of the public list ------------------------------


@pytest.fixture
def moderator(db):
    return get_user_model().objects.create_user(username="mod", email="mod@example.org")


def leaves(letter):
    return list(LogLeaf.objects.filter(letter=letter).order_by("index").values_list("kind", "public_id", "data"))


@pytest.mark.django_db
def test_each_public_change_is_logged_and_nothing_else(letter, moderator):
    one, two, three = (VerifiedSignatureFactory(letter=letter, organization="Org") for _ in range(3))
    decisions.signature_reject(signature_id=three.pk, moderator=moderator)  # never public: not logged
    decisions.signature_approve(signature_id=one.pk, moderator=moderator)
    decisions.signatures_bulk_decide(moderator=moderator, action="approve", ids=[two.pk, three.pk])
    decisions.signature_set_featured(signature_id=one.pk, moderator=moderator, featured=True)  # not in the CSV
    decisions.signature_edit(signature_id=two.pk, moderator=moderator, title="Professor", organization="Org")
    decisions.signature_reject(signature_id=two.pk, moderator=moderator)
    decisions.signatures_bulk_decide(moderator=moderator, action="reject", ids=[three.pk])
    decisions.signature_edit(signature_id=three.pk, moderator=moderator, title="Off the list", organization="X")
    signature_withdraw(public_id=one.public_id)
    imports.signatures_import(letter=letter, rows=[{"name": "Ida Imported", "email": "ida@example.org"}])
    kinds = [(kind, public_id) for kind, public_id, _data in leaves(letter)]
    ida = Signature.objects.get(letter=letter, name="Ida Imported").public_id
    assert kinds == [
        ("published", one.public_id),
        ("published", two.public_id),  # the bulk approval, in approval order
        ("published", three.public_id),
        ("published", two.public_id),  # the edit of a public signature
        ("removed", two.public_id),
        ("removed", three.public_id),  # the bulk reject; its later edit is not public
        ("removed", one.public_id),  # the withdrawal
        ("published", ida),  # the import
    ]
    assert "Professor" in leaves(letter)[3][2]
    # the withdrawn signer's text is gone from the log; the others' stays
    assert [data for _kind, public_id, data in leaves(letter) if public_id == one.public_id] == [
        "",
        f"removed,{one.public_id}",
    ]
    # and the log agrees with the public list: nothing for the safety net to add
    assert log.log_sync(letter=letter, dry_run=True) == (0, 0)
    assert log_reads.log_size(letter=letter) == 8


@pytest.mark.django_db
def test_sync_logs_a_list_published_before_the_log(letter, moderator):
    early = bulk_signatures(letter, 25)
    gone = ApprovedSignatureFactory(letter=letter)
    publish(letter, [gone])
    Signature.objects.filter(pk=gone.pk).update(status=Signature.Status.REJECTED, rejected_at=gone.approved_at)
    assert log.log_sync(letter=letter, dry_run=True) == (25, 1)
    assert log_reads.log_size(letter=letter) == 1
    assert log.log_sync(letter=letter) == (25, 1)
    assert log.log_sync(letter=letter) == (0, 0)
    assert {public_id for _k, public_id, _d in leaves(letter)} == {s.public_id for s in early} | {gone.public_id}


# --- verify_list: a journalist's check, against a running site, with no database --------------


def verify_list(*args):
    """Run the command as the contract writes it, on a journalist's machine: no DEBUG, no
    SECRET_KEY, and a database that does not exist. It must need none of them."""
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/no-such-database",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "verify_list", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def download(client, letter, path):
    response = client.get(f"/letters/{letter.slug}/signatures.csv")
    path.write_bytes(b"".join(response.streaming_content))
    return path


@pytest.mark.django_db(transaction=True)
def test_an_old_list_and_checkpoint_still_verify_after_changes(live_server, client, moderator, tmp_path):
    letter = LetterFactory()
    people = [VerifiedSignatureFactory(letter=letter, organization="Org", title="Engineer") for _ in range(7)]
    decisions.signatures_bulk_decide(moderator=moderator, action="approve", ids=[p.pk for p in people[:4]])
    decisions.signature_approve(signature_id=people[4].pk, moderator=moderator, note="Called them")
    old_csv = download(client, letter, tmp_path / "old.csv")
    old_checkpoint = tmp_path / "checkpoint.txt"
    old_checkpoint.write_bytes(client.get(log_url(letter, "checkpoint")).content)
    site = ["--site", live_server.url, "--letter", letter.slug]

    result = verify_list(old_csv, *site)
    assert result.returncode == 0, result.stderr
    assert f"OK: all 5 rows of old.csv are in the log of '{letter.slug}' at size 5" in result.stdout

    # a withdrawal, an edit, a reject of a public name, new approvals, an import
    signature_withdraw(public_id=people[0].public_id)
    decisions.signature_edit(signature_id=people[1].pk, moderator=moderator, title="CTO", organization="Org")
    decisions.signature_reject(signature_id=people[2].pk, moderator=moderator)
    decisions.signatures_bulk_decide(moderator=moderator, action="approve", ids=[people[5].pk, people[6].pk])
    imports.signatures_import(letter=letter, rows=[{"name": "Ida Imported", "email": "ida@example.org"}])
    new_csv = download(client, letter, tmp_path / "new.csv")

    result = verify_list(old_csv, *site, "--checkpoint", old_checkpoint)
    assert result.returncode == 0, result.stderr
    assert "the log has only grown since (size 5 -> 11)" in result.stdout
    result = verify_list(new_csv, *site)
    assert result.returncode == 0, result.stderr
    assert "all 6 rows of new.csv" in result.stdout
    # the new list was not in the log yet at the old checkpoint: its first new row is named
    result = verify_list(new_csv, *site, "--checkpoint", old_checkpoint)
    assert result.returncode == 1
    first_new = (
        new_csv.read_text(encoding="utf-8-sig")
        .splitlines()[1:]
        .index(next(line for line in new_csv.read_text(encoding="utf-8-sig").splitlines()[1:] if "CTO" in line))
    )
    assert f"line {first_new + 2} (id {people[1].public_id}): not in the log at size 5" in result.stderr

    # every row of the download is, byte for byte, the text of a leaf
    rows = new_csv.read_bytes().decode("utf-8-sig").split("\r\n")[1:-1]
    texts = set(LogLeaf.objects.filter(letter=letter).values_list("data", flat=True))
    assert rows and all(row in texts for row in rows)


@pytest.mark.django_db(transaction=True)
def test_an_altered_row_or_another_key_fails(live_server, client, tmp_path):
    letter = LetterFactory()
    people = [ApprovedSignatureFactory(letter=letter, name=f"Person {i}", organization="Org") for i in range(4)]
    publish(letter, people)
    good = download(client, letter, tmp_path / "list.csv")
    site = ["--site", live_server.url, "--letter", letter.slug]
    assert verify_list(good, *site).returncode == 0

    altered = tmp_path / "altered.csv"
    lines = good.read_bytes().decode("utf-8-sig").split("\r\n")
    third = lines[3]
    lines[3] = third.replace("Person", "Persona", 1)
    altered.write_bytes("\r\n".join(lines).encode())  # without the BOM, as an editor may save it
    result = verify_list(altered, *site)
    assert result.returncode == 1
    assert f"FAILED: line 4 (id {third.split(',')[0]}): not in the log at size 4" in result.stderr
    # the same with the whole tree rebuilt from the leaf hashes (the way for long lists)
    result = verify_list(good, *site, "--whole-tree")
    assert result.returncode == 0 and "every leaf hash fetched, the tree rebuilt" in result.stdout
    result = verify_list(altered, *site, "--whole-tree")
    assert result.returncode == 1
    assert f"FAILED: line 4 (id {third.split(',')[0]}): not in the log at size 4" in result.stderr

    # a checkpoint for the same tree, signed by someone else's key under the site's key name
    impostor = notes.Signer("testserver", bytes(range(32)))
    real = notes.checkpoint_open(client.get(log_url(letter, "checkpoint")).content.decode(), verifier())
    forged = tmp_path / "forged.txt"
    forged.write_text(impostor.sign_note(real.text))
    result = verify_list(good, *site, "--checkpoint", forged)
    assert result.returncode == 1
    assert "FAILED: your checkpoint does not verify with the key testserver+" in result.stderr
    # and pinning the impostor's key: the site's own checkpoint is refused
    result = verify_list(good, *site, "--key", impostor.verifier.vkey)
    assert result.returncode == 1
    assert "FAILED: the latest checkpoint does not verify" in result.stderr
    # pinning the right key works
    assert verify_list(good, *site, "--key", verifier().vkey).returncode == 0


@pytest.mark.django_db
def test_the_press_page_explains_the_check_and_lists_checkpoints(client, letter):
    publish(letter, bulk_signatures(letter, 3))
    checkpoints.checkpoint_publish(letter=letter)
    html = client.get(f"/letters/{letter.slug}/press/").content.decode()
    assert "Check the list yourself" in html
    assert f"python manage.py verify_list signatures.csv --site http://testserver --letter {letter.slug}" in html
    assert f'href="/letters/{letter.slug}/log/checkpoint"' in html and "3 entries on" in html


@pytest.mark.django_db
def test_leaf_pages_count_against_the_download_limit(client, letter, settings):
    """Up to 2 MiB of hashes per request from the database: limited like the other downloads."""
    settings.RATELIMITS = {**settings.RATELIMITS, "download_ip": "2/h"}
    publish(letter, bulk_signatures(letter, 3))
    url = f"/letters/{letter.slug}/log/leaves?start=0&count=2"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
