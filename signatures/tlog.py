"""A transparency log's mathematics, with no Django in it: the Merkle tree of RFC 9162
(Certificate Transparency 2.0) and its inclusion and consistency proofs. The signed checkpoints
that publish its roots are in notes.py.

The tree is never held whole. Every node that is the root of a *complete* subtree (2**level
leaves starting at index * 2**level) is named `(level, index)` and never changes once its leaves
exist; any range the RFC's algorithms hash is a short run of such nodes. So the functions here
take a `node(level, index) -> hash` lookup, and a store can answer a root or a proof with
O(log n) stored hashes (see `proof_subtrees` to fetch them in one go).

`verify_list` runs this module on a journalist's machine, with no database: keep it pure.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

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
