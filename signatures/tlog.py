"""A transparency log's mathematics, with no Django in it: the Merkle tree of RFC 9162
(Certificate Transparency 2.0), its inclusion and consistency proofs, and checkpoints in the
C2SP tlog-checkpoint format, signed as C2SP signed notes with Ed25519.

The tree is never held whole. Every node that is the root of a *complete* subtree (2**level
leaves starting at index * 2**level) is named `(level, index)` and never changes once its leaves
exist; any range the RFC's algorithms hash is a short run of such nodes. So the functions here
take a `node(level, index) -> hash` lookup, and a store can answer a root or a proof with
O(log n) stored hashes (see `proof_subtrees` to fetch them in one go).

`verify_list` runs this module on a journalist's machine, with no database: keep it pure.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 2.1.1: the hash of an empty list

Node = tuple[int, int]  # (level, index): the complete subtree over leaves [index << level, (index + 1) << level)
NodeLookup = Callable[[int, int], bytes]


# --- Hashing (RFC 9162 2.1.1) ------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k, the largest power of two smaller than n (n > 1): where the RFC splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def covering_subtrees(start: int, end: int) -> list[Node]:
    """The complete subtrees that tile [start, end), left to right, each as large as it can be.

    For the ranges the RFC hashes (a subtree of the RFC's recursive split) this is the binary
    decomposition of end - start, and MTH of the range is `fold` of their hashes."""
    nodes = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its covering subtrees: the RFC splits off the largest power of two on
    the left each time, so the hashes combine right to left."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def root_hash(size: int, node: NodeLookup) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return fold([node(level, index) for level, index in covering_subtrees(0, size)])


# --- Proof generation (RFC 9162 2.1.3.1 and 2.1.4.1) -------------------------------------------
# The RFC writes PATH and SUBPROOF recursively over lists of leaves; here they walk the same
# splits over index ranges, and each proof element is the MTH of one range.


def inclusion_path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[size]) as the leaf ranges whose hashes make up the audit path."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    path = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            path.append((start + k, end))
            end = start + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append((start, start + k))
            start += k
    return path[::-1]  # the deepest sibling comes first


def consistency_path_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """PROOF(first, D[second]) = SUBPROOF(first, D[second], true) as leaf ranges.

    Defined by the RFC for 0 < first < second; for first == second the proof is empty."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    path = []
    start, end, m, whole = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
                path.append((start, end))
            break
        k = _split(n)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            path.append((start + k, end))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            path.append((start, start + k))
            start += k
            m -= k
            whole = False
    return path[::-1]


def proof_subtrees(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    """Every stored node that the given ranges' hashes need: fetch these, then call
    `range_hashes` with a lookup into what was fetched."""
    return {node for start, end in ranges for node in covering_subtrees(start, end)}


def range_hashes(ranges: Iterable[tuple[int, int]], node: NodeLookup) -> list[bytes]:
    return [fold([node(level, index) for level, index in covering_subtrees(start, end)]) for start, end in ranges]


def inclusion_proof(index: int, size: int, node: NodeLookup) -> list[bytes]:
    return range_hashes(inclusion_path_ranges(index, size), node)


def consistency_proof(first: int, second: int, node: NodeLookup) -> list[bytes]:
    return range_hashes(consistency_path_ranges(first, second), node)


# --- Proof verification (RFC 9162 2.1.3.2 and 2.1.4.2, step by step) ---------------------------


def _all_hashes(*values) -> bool:
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """Whether `path` proves that the leaf hash `leaf` is at `index` in the tree of `size`
    leaves whose root is `root`."""
    if not _all_hashes(leaf, root, *path) or not 0 <= index < size:  # 1.
        return False
    fn, sn = index, size - 1  # 2.
    r = leaf  # 3.
    for p in path:  # 4.
        if sn == 0:  # a.
            return False
        if fn & 1 or fn == sn:  # b.
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # c.
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)  # 5.


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]) -> bool:
    """Whether `path` proves that the tree of `second` leaves (root `second_root`) extends the
    tree of `first` leaves (root `first_root`).

    Outside the RFC's 0 < first < second, as transparency-dev/merkle does: equal sizes need an
    empty proof and equal roots; a proof from the empty tree proves nothing and is refused (a
    caller that holds an empty checkpoint has nothing to check)."""
    if not _all_hashes(first_root, second_root, *path) or not 0 < first <= second:
        return False
    if first == second:
        return not path and hmac.compare_digest(first_root, second_root)
    if not path:  # 1.
        return False
    path = list(path)
    if first & (first - 1) == 0:  # 2. first is an exact power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1  # 3.
    while fn & 1:  # 4.
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # 5.
    for c in path[1:]:  # 6.
        if sn == 0:  # a.
            return False
        if fn & 1 or fn == sn:  # b.
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # c.
        sn >>= 1
    return hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root) and sn == 0  # 7.


# --- Appending ---------------------------------------------------------------------------------


def frontier(size: int) -> list[Node]:
    """The complete subtrees of a tree of `size` leaves that new leaves will be hashed with."""
    return covering_subtrees(0, size)


def append_subtrees(old_size: int, node: NodeLookup, new_leaves: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
    """The complete subtrees above the leaves (level >= 1) that appending `new_leaves` to a tree
    of `old_size` completes, as (level, index, hash). `node` needs to answer only for
    `frontier(old_size)`. About one node per leaf, hashed in one pass, level by level."""
    created = []
    below = dict(enumerate(new_leaves, start=old_size))  # index -> hash at the level below
    new_size = old_size + len(new_leaves)
    level = 1
    while (old_size >> level) < (new_size >> level):
        current = {}
        for index in range(old_size >> level, new_size >> level):
            left, right = 2 * index, 2 * index + 1
            left_hash = below[left] if left in below else node(level - 1, left)
            current[index] = node_hash(left_hash, below[right])
            created.append((level, index, current[index]))
        below = current
        level += 1
    return created


class MemoryTree:
    """A whole tree in memory, level by level: for tests, the benchmark's bulk build, and
    `verify_list`'s check of a full list."""

    def __init__(self, leaves: Iterable[bytes] = ()):
        self.levels: list[list[bytes]] = [[]]
        self.append(list(leaves))

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def append(self, leaves: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
        created = append_subtrees(self.size, self.node, leaves)
        self.levels[0].extend(leaves)
        for level, _index, value in created:  # created in index order within each level
            while len(self.levels) <= level:
                self.levels.append([])
            self.levels[level].append(value)
        return created

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self.node)


# --- Signed notes (C2SP signed-note) and checkpoints (C2SP tlog-checkpoint) --------------------

ED25519 = 0x01  # signature type byte of Ed25519 note signatures
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note or key that is malformed, or whose signature does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"not base64: {text[:40]!r}") from exc


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(key name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key text: <name>+<hex key ID>+<base64(0x01 || public key)>."""
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([ED25519]) + self.public_key).decode()}"

    @classmethod
    def from_vkey(cls, text: str) -> "Verifier":
        parts = text.strip().split("+", 2)  # base64 may contain '+' too
        if len(parts) != 3:
            raise NoteError("a verifier key has three parts: name+keyid+key")
        name, hex_id, encoded = parts
        _check_key_name(name)
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported")
        verifier = cls(name, raw[1:])
        if hex_id.lower() != verifier.key_id.hex():
            raise NoteError("the verifier key's ID does not match its name and key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes  # the 32-byte Ed25519 private key

    def __post_init__(self):
        _check_key_name(self.name)
        if len(self.seed) != 32:
            raise NoteError("an Ed25519 private key is 32 bytes")

    @classmethod
    def from_setting(cls, text: str, name: str) -> "Signer":
        """From base64 of the 32-byte private key, or Go's note format
        PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || key)> (whose name then wins)."""
        text = text.strip()
        if text.startswith("PRIVATE+KEY+"):
            parts = text.split("+", 4)  # base64 may contain '+' too
            if len(parts) != 5:
                raise NoteError("a PRIVATE+KEY signer key has five parts")
            raw = _b64decode(parts[4])
            if len(raw) != 33 or raw[0] != ED25519:
                raise NoteError("only Ed25519 signer keys are supported")
            return cls(parts[2], raw[1:])
        return cls(name, _b64decode(text))

    @property
    def verifier(self) -> Verifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()
        return Verifier(self.name, public)

    def sign_note(self, text: str) -> str:
        """The signed note: the text (ending in a newline), a blank line, one signature line."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("a note's text ends in a newline and, here, has no blank line")
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode())
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n\u2014 {self.name} {encoded}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text, once a signature by `verifier` checks out; NoteError otherwise.

    As C2SP signed-note says: signatures by other keys are ignored, a failing signature by the
    known key rejects the note, and a note with no signature by it is rejected."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note contains no control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("no signature block: the text, a blank line, then signature lines")
    text, lines = note[: split + 1], note[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    verified = False
    for line in lines:
        if not line.startswith("\u2014 "):
            raise NoteError(f"a signature line starts with an em dash and a space: {line[:40]!r}")
        name, _, encoded = line[2:].partition(" ")
        raw = _b64decode(encoded)
        if len(raw) < 5:
            raise NoteError("a signature is a 4-byte key ID and the signature")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue  # someone else's signature (a witness, a rotated key)
        if not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"the signature by {name} does not verify")
        verified = True
    if not verified:
        raise NoteError(f"not signed by the key {verifier.name}+{verifier.key_id.hex()}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @property
    def text(self) -> str:
        """The checkpoint's note text: origin, tree size, base64 root hash, each on a line."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
            raise NoteError("a checkpoint is origin, size and root hash, each on its own line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isascii() or not size.isdigit() or (size.startswith("0") and size != "0"):
            raise NoteError(f"the tree size is a decimal number without leading zeros: {size!r}")
        decoded = _b64decode(root)
        if len(decoded) != HASH_SIZE:
            raise NoteError("the root hash is 32 bytes")
        return cls(origin, int(size), decoded)


def checkpoint_open(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint in a signed note, once its signature by `verifier` checks out."""
    return Checkpoint.from_text(open_note(note, verifier))
