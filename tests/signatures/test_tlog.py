"""The transparency log's mathematics (signatures/tlog.py), against published vectors and a
reference written straight from RFC 9162's recursive definitions. No database."""

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest

from signatures import notes, tlog

DATA = Path(__file__).parent / "data"
b64 = base64.b64decode


# --- A reference: RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 as written, over lists of leaf data ------


def ref_mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m, d):
    if len(d) == 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m, d, b):
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


# --- transparency-dev/merkle's RFC 6962 vectors (testonly/constants.go) -----------------------

LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_rfc6962_roots_for_every_size():
    leaves = [bytes.fromhex(x) for x in LEAF_INPUTS]
    for size, want in enumerate(ROOTS):
        tree = tlog.MemoryTree(tlog.leaf_hash(x) for x in leaves[:size])
        assert tree.root().hex() == want
        assert ref_mth(leaves[:size]).hex() == want
    assert tlog.leaf_hash(b"").hex() == ROOTS[1]


def test_rfc6962_nodes_are_stored_as_complete_subtrees():
    tree = tlog.MemoryTree(tlog.leaf_hash(bytes.fromhex(x)) for x in LEAF_INPUTS)
    assert tree.node(1, 0).hex() == "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
    assert tree.node(2, 1).hex() == "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
    assert tree.node(3, 0).hex() == ROOTS[8]


def _probes(kind):
    return json.loads((DATA / "rfc6962_probes.json").read_text())[kind]


@pytest.mark.parametrize("probe", _probes("inclusion"), ids=lambda p: p["file"])
def test_inclusion_probes(probe):
    path = [b64(h) for h in probe["proof"] or []]
    ok = tlog.verify_inclusion(
        b64(probe["leafHash"] or ""), probe["leafIdx"], probe["treeSize"], path, b64(probe["root"] or "")
    )
    assert ok is not probe["wantErr"], probe["desc"]


@pytest.mark.parametrize("probe", _probes("consistency"), ids=lambda p: p["file"])
def test_consistency_probes(probe):
    path = [b64(h) for h in probe["proof"] or []]
    root1, root2 = b64(probe["root1"] or ""), b64(probe["root2"] or "")
    if probe["file"].endswith("sizes-are-equal-one-and-proof-is-empty.json"):
        # Its roots are a placeholder ("don't care 2"), not hashes, which we refuse outright.
        assert not tlog.verify_consistency(1, 1, root1, root2, path)
        root1 = root2 = hashlib.sha256(root1).digest()
    ok = tlog.verify_consistency(probe["size1"], probe["size2"], root1, root2, path)
    assert ok is not probe["wantErr"], probe["desc"]


def test_happy_path_probes_are_what_we_generate():
    """The published proofs are exactly the ones this module builds for the same tree."""
    tree = tlog.MemoryTree(tlog.leaf_hash(bytes.fromhex(x)) for x in LEAF_INPUTS)
    checked = 0
    for probe in _probes("inclusion"):
        happy = not probe["wantErr"] and probe["treeSize"] <= 8 and probe["proof"] is not None
        if happy and tree.node(0, probe["leafIdx"]) == b64(probe["leafHash"] or ""):
            got = tlog.inclusion_proof(probe["leafIdx"], probe["treeSize"], tree.node)
            assert got == [b64(h) for h in probe["proof"]]
            checked += 1
    for probe in _probes("consistency"):
        if not probe["wantErr"] and 0 < probe["size1"] < probe["size2"] <= 8:
            got = tlog.consistency_proof(probe["size1"], probe["size2"], tree.node)
            assert got == [b64(h) for h in probe["proof"]]
            checked += 1
    assert checked >= 4


# --- Every size, against the reference ---------------------------------------------------------


def test_proofs_match_the_rfc_definitions_for_every_small_tree():
    data = [f"leaf {i}".encode() for i in range(70)]
    tree = tlog.MemoryTree()
    for size in range(1, len(data) + 1):
        tree.append([tlog.leaf_hash(data[size - 1])])
        root = tree.root()
        assert root == ref_mth(data[:size])
        for index in range(size):
            path = tlog.inclusion_proof(index, size, tree.node)
            assert path == ref_path(index, data[:size])
            assert tlog.verify_inclusion(tree.node(0, index), index, size, path, root)
            assert not tlog.verify_inclusion(tree.node(0, index), index, size, path + [root], root)
            if size > 1:
                assert not tlog.verify_inclusion(tree.node(0, (index + 1) % size), index, size, path, root)
        for first in range(1, size + 1):
            proof = tlog.consistency_proof(first, size, tree.node)
            assert proof == ref_subproof(first, data[:size], True)
            assert tlog.verify_consistency(first, size, tree.root(first), root, proof)
            if first < size:
                assert not tlog.verify_consistency(first, size, root, tree.root(first), proof)
                assert not tlog.verify_consistency(first, size, tree.root(first), root, proof[:-1])


def test_random_trees_built_in_batches():
    rng = random.Random(9162)
    for _ in range(20):
        tree, data = tlog.MemoryTree(), []
        while len(data) < 600:
            batch = [rng.randbytes(rng.randint(0, 40)) for _ in range(rng.choice([1, 2, 3, 7, 64, 129]))]
            data.extend(batch)
            tree.append([tlog.leaf_hash(x) for x in batch])
        size = len(data)
        assert tree.root() == ref_mth(data)
        for _ in range(20):
            index = rng.randrange(size)
            path = tlog.inclusion_proof(index, size, tree.node)
            assert tlog.verify_inclusion(tlog.leaf_hash(data[index]), index, size, path, tree.root())
            first = rng.randint(1, size)
            proof = tlog.consistency_proof(first, size, tree.node)
            assert tlog.verify_consistency(first, size, ref_mth(data[:first]), tree.root(), proof)
            # a tampered hash anywhere breaks either proof
            if path:
                bad = list(path)
                bad[rng.randrange(len(bad))] = rng.randbytes(32)
                assert not tlog.verify_inclusion(tlog.leaf_hash(data[index]), index, size, bad, tree.root())
            if proof:
                bad = list(proof)
                bad[rng.randrange(len(bad))] = rng.randbytes(32)
                assert not tlog.verify_consistency(first, size, ref_mth(data[:first]), tree.root(), bad)


def test_a_proof_needs_only_a_few_stored_nodes():
    size = 1_000_003
    for index in (0, 1, size // 2, size - 2, size - 1):
        assert len(tlog.proof_subtrees(tlog.inclusion_path_ranges(index, size))) <= 2 * size.bit_length()
    for first in (1, 2, 1000, 524_288, size - 1):
        assert len(tlog.proof_subtrees(tlog.consistency_path_ranges(first, size))) <= 3 * size.bit_length()


def test_bad_proof_parameters_are_refused():
    for index, size in ((0, 0), (5, 5), (-1, 3)):
        with pytest.raises(ValueError):
            tlog.inclusion_path_ranges(index, size)
    for first, second in ((0, 3), (4, 3)):
        with pytest.raises(ValueError):
            tlog.consistency_path_ranges(first, second)
    assert tlog.consistency_path_ranges(5, 5) == []


# --- Signed notes and checkpoints (C2SP) -------------------------------------------------------

# From C2SP signed-note.md, "Example".
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
# From Go's golang.org/x/mod/sumdb/note tests (TestSign).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def test_signed_note_spec_example_verifies():
    verifier = notes.Verifier.from_vkey(SPEC_VKEY)
    assert verifier.vkey == SPEC_VKEY
    assert notes.open_note(SPEC_NOTE, verifier) == "This is an example message.\n"
    with pytest.raises(notes.NoteError, match="does not verify"):
        notes.open_note(SPEC_NOTE.replace("an example", "a forged"), verifier)


def test_signing_reproduces_go_sumdb_vector():
    signer = notes.Signer.from_setting(GO_SKEY, name="ignored")
    assert signer.name == "PeterNeumann"
    assert signer.verifier.vkey == GO_VKEY
    assert signer.sign_note(GO_TEXT) == GO_TEXT + "\n" + GO_SIG
    # the same key as plain base64 of its 32 bytes, the form TLOG_SIGNING_KEY takes
    plain = base64.b64encode(b64(GO_SKEY.split("+", 4)[4])[1:]).decode()
    assert notes.Signer.from_setting(plain, name="PeterNeumann").sign_note(GO_TEXT).endswith(GO_SIG)


def test_unknown_signatures_are_ignored_and_a_note_without_ours_is_refused():
    ours = notes.Signer("log.example/a", bytes(range(32)))
    other = notes.Signer("witness.example", bytes(range(1, 33)))
    note = ours.sign_note("hello\n")
    cosigned = note + other.sign_note("hello\n").split("\n\n")[1]
    assert notes.open_note(cosigned, ours.verifier) == "hello\n"
    with pytest.raises(notes.NoteError, match="not signed by"):
        notes.open_note(other.sign_note("hello\n"), ours.verifier)
    # same name, another key: its key ID differs, so it is someone else's signature
    impostor = notes.Signer("log.example/a", bytes(range(2, 34)))
    with pytest.raises(notes.NoteError, match="not signed by"):
        notes.open_note(impostor.sign_note("hello\n"), ours.verifier)
    for broken in ("hello\n", "hello\n\n- log.example/a AAAA\n", "hel\x07lo\n" + note[6:]):
        with pytest.raises(notes.NoteError):
            notes.open_note(broken, ours.verifier)


def test_checkpoint_text_round_trip():
    signer = notes.Signer("letter.example.org", bytes(32))
    tree = tlog.MemoryTree(tlog.leaf_hash(bytes([i])) for i in range(5))
    checkpoint = notes.Checkpoint("letter.example.org/letters/x", 5, tree.root())
    note = signer.sign_note(checkpoint.text)
    lines = note.split("\n")
    assert lines[:3] == ["letter.example.org/letters/x", "5", base64.b64encode(tree.root()).decode()]
    assert lines[3] == "" and lines[4].startswith("— letter.example.org ")
    assert notes.checkpoint_open(note, signer.verifier) == checkpoint
    for bad in ("o\n05\n" + lines[2] + "\n", "o\n5\nAAAA\n", "o\n5\n", "o\n-1\n" + lines[2] + "\n"):
        with pytest.raises(notes.NoteError):
            notes.Checkpoint.from_text(bad)
