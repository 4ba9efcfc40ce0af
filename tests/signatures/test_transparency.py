"""The letter's transparency log: what is stored, what is signed, what the proofs prove, and
that a journalist's `verify_list` accepts a true list and names what is wrong with a false one."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured

from signatures import tlog
from signatures.models import Checkpoint, LogLeaf, LogNode
from signatures.services import log
from tests.factories import ApprovedSignatureFactory, bulk_signatures

TEST_KEY = base64.b64encode(b"freefable tests: not a real key!").decode()


@pytest.fixture(autouse=True)
def _signing_key(settings):
    """Tests run with DEBUG off, as Django's test runner sets it, so they need a key."""
    settings.TLOG_SIGNING_KEY = TEST_KEY
    settings.TLOG_KEY_NAME = ""


def publish(letter, signatures):
    return log.log_append(letter=letter, rows=log.public_rows(signature_ids=[s.pk for s in signatures]))


def verifier():
    return log.log_signer().verifier


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
        f"{created},email,{letter.current_version.number}"
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
    assert tree.size == log.log_size(letter=letter) == 301
    assert LogNode.objects.filter(letter=letter).count() == sum(len(level) for level in tree.levels[1:])
    for size in (1, 2, 3, 5, 8, 63, 64, 65, 128, 255, 256, 257, 300, 301):
        root = log.log_root(letter=letter, size=size)
        assert root == tree.root(size)
        for index in {0, size // 3, size - 1}:
            proof = log.inclusion_proof(letter=letter, leaf_hash=tree.node(0, index), tree_size=size)
            assert proof["leaf_index"] == index and proof["tree_size"] == size
            path = [bytes.fromhex(h) for h in proof["hashes"]]
            assert tlog.verify_inclusion(tree.node(0, index), index, size, path, root)
        for first in {1, size // 2 or 1, size}:
            proof = log.consistency_proof(letter=letter, first=first, second=size)
            path = [bytes.fromhex(h) for h in proof["hashes"]]
            assert tlog.verify_consistency(first, size, tree.root(first), root, path)


@pytest.mark.django_db
def test_bad_proof_requests_say_what_is_wrong(letter):
    publish(letter, bulk_signatures(letter, 3))
    with pytest.raises(log.LogError, match="between 1 and 3"):
        log.inclusion_proof(letter=letter, leaf_hash=bytes(32), tree_size=4)
    with pytest.raises(log.LogError, match="no leaf with this hash"):
        log.inclusion_proof(letter=letter, leaf_hash=bytes(32), tree_size=3)
    with pytest.raises(log.LogError, match="first must be"):
        log.consistency_proof(letter=letter, first=0, second=3)
    with pytest.raises(log.LogError, match="between 1 and 3"):
        log.consistency_proof(letter=letter, first=1, second=9)


def test_a_bulk_append_is_a_few_statements(postgres, letter, django_assert_max_num_queries):
    signatures = bulk_signatures(letter, 10_000)
    rows = log.public_rows(signature_ids=[s.pk for s in signatures])
    publish(letter, signatures[:3])
    with django_assert_max_num_queries(14):
        assert log.log_append(letter=letter, rows=rows) == 10_003
    with django_assert_max_num_queries(12):
        log.checkpoint_publish(letter=letter)
    leaf = tlog.leaf_hash(log.leaf_text(rows[1234]).encode())
    with django_assert_max_num_queries(4):
        proof = log.inclusion_proof(letter=letter, leaf_hash=leaf, tree_size=10_003)
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
    assert log.log_root(letter=letter, size=2) == before


@pytest.mark.django_db
def test_checkpoints_are_signed_kept_and_only_made_when_the_log_grew(letter):
    first = log.checkpoint_publish(letter=letter)
    assert first.tree_size == 0 and bytes(first.root_hash) == tlog.EMPTY_ROOT
    publish(letter, bulk_signatures(letter, 5))
    second = log.checkpoint_publish(letter=letter)
    assert log.checkpoint_publish(letter=letter) == second
    opened = tlog.checkpoint_open(second.note, verifier())
    assert opened == tlog.Checkpoint(f"testserver/letters/{letter.slug}", 5, log.log_root(letter=letter, size=5))
    assert list(Checkpoint.objects.filter(letter=letter).values_list("tree_size", flat=True)) == [5, 0]
    assert log.checkpoint_summary(second)["root_hash"] == base64.b64encode(opened.root).decode()


@pytest.mark.django_db
def test_the_signing_key_comes_from_the_environment(letter, settings):
    key = base64.b64encode(bytes(range(32))).decode()
    settings.TLOG_SIGNING_KEY, settings.TLOG_KEY_NAME = key, "letters.example.org"
    assert log.log_signer() == tlog.Signer("letters.example.org", bytes(range(32)))
    checkpoint = log.checkpoint_publish(letter=letter)
    assert checkpoint.note.startswith(f"letters.example.org/letters/{letter.slug}\n0\n")
    assert "\n\n\u2014 letters.example.org " in checkpoint.note
    # no key: development signs with a key derived from SECRET_KEY; production refuses
    settings.TLOG_SIGNING_KEY, settings.DEBUG = "", True
    assert log.log_signer().seed != bytes(range(32))
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="TLOG_SIGNING_KEY"):
        log.checkpoint_publish(letter=letter)
