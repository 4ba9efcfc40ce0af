"""Reads of a letter's transparency log: its size, roots and proofs, from the stored hashes of
complete subtrees (a few dozen indexed lookups however long the log). The writes are in
services/log.py, the signed checkpoints in services/checkpoints.py."""

from django.db import connection

from letter.models import Letter

from .. import tlog
from ..models import LogHead, LogLeaf, LogNode


class LogError(ValueError):
    """A request the log cannot answer: a size it never had, a leaf it does not hold."""


class LeafNotFound(LogError):
    """No leaf with this hash in the tree of the size asked for."""


class MissingNodes(LookupError):
    pass


def node_hashes(letter: Letter, nodes) -> dict[tlog.Node, bytes]:
    """The stored hashes of these complete subtrees, in one query whatever their number (the
    leaves' own hashes and the nodes above them, by level). MissingNodes if some do not exist.

    Plain SQL: this runs on every proof, and building the same query with Q objects cost more
    than running it (some 20 levels, each a filter)."""
    nodes = set(nodes)
    by_level = {}
    for level, index in nodes:
        by_level.setdefault(level, []).append(index)
    quote = connection.ops.quote_name
    parts, params = [], []
    leaves = by_level.pop(0, None)
    if leaves:
        parts.append(
            f"SELECT 0, {quote('index')}, leaf_hash FROM {quote(LogLeaf._meta.db_table)} "  # noqa: S608 (names and placeholders only)
            f"WHERE letter_id = %s AND {quote('index')} IN ({', '.join(['%s'] * len(leaves))})"
        )
        params += [letter.pk, *leaves]
    if by_level:
        match = " OR ".join(
            f"(level = %s AND {quote('index')} IN ({', '.join(['%s'] * len(indexes))}))"
            for indexes in by_level.values()
        )
        parts.append(
            f"SELECT level, {quote('index')}, hash FROM {quote(LogNode._meta.db_table)} "  # noqa: S608 (names and placeholders only)
            f"WHERE letter_id = %s AND ({match})"
        )
        params += [letter.pk, *(value for level, indexes in by_level.items() for value in (level, *indexes))]
    found = {}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = {(level, index): bytes(value) for level, index, value in cursor.fetchall()}
    if len(found) != len(nodes):
        raise MissingNodes(sorted(nodes - found.keys())[:5])
    return found


def node_lookup(letter: Letter, nodes, size: int) -> tlog.NodeLookup:
    """A lookup into the hashes of `nodes` for a tree of `size` leaves. A size the log never had
    is the caller's mistake (LogError); a node missing inside the log is ours (RuntimeError)."""
    try:
        found = node_hashes(letter, nodes)
    except MissingNodes as exc:
        if not 0 < size <= log_size(letter=letter):
            raise size_error(letter) from exc
        raise RuntimeError(f"the transparency log of letter {letter.pk} is missing nodes {exc}") from exc
    return lambda level, index: found[(level, index)]


def size_error(letter: Letter) -> LogError:
    current = log_size(letter=letter)
    return LogError(f"the log has {current} leaves; a tree size must be between 1 and {current}")


def log_size(*, letter: Letter) -> int:
    return LogHead.objects.filter(letter=letter).values_list("size", flat=True).first() or 0


def log_root(*, letter: Letter, size: int) -> bytes:
    if size == 0:
        return tlog.EMPTY_ROOT
    return tlog.root_hash(size, node_lookup(letter, tlog.covering_subtrees(0, size), size))


def inclusion_proof(*, letter: Letter, leaf_hash: bytes, tree_size: int) -> dict:
    """{leaf_index, tree_size, hashes}: the audit path of the first leaf with this hash in the
    tree of `tree_size` leaves. LogError if the size is not the log's or the leaf is not in it."""
    if tree_size < 1:
        raise size_error(letter)
    index = (
        LogLeaf.objects.filter(letter=letter, leaf_hash=leaf_hash, index__lt=tree_size)
        .order_by("index")
        .values_list("index", flat=True)
        .first()
    )
    ranges = tlog.inclusion_path_ranges(index, tree_size) if index is not None else []
    lookup = node_lookup(
        letter, tlog.proof_subtrees(ranges) | set(tlog.covering_subtrees(0, tree_size)[-1:]), tree_size
    )
    if index is None:
        raise LeafNotFound(f"no leaf with this hash in the first {tree_size} leaves of the log")
    hashes = tlog.range_hashes(ranges, lookup)
    return {"leaf_index": index, "tree_size": tree_size, "hashes": [h.hex() for h in hashes]}


def consistency_proof(*, letter: Letter, first: int, second: int) -> dict:
    """{first, second, hashes}: the proof that the tree of `second` leaves extends the tree of
    `first` leaves (RFC 9162 2.1.4)."""
    if not 0 < first <= second:
        raise LogError(f"first must be between 1 and second ({second})")
    ranges = tlog.consistency_path_ranges(first, second)
    # the tree's last subtree too, so that a size the log never had is told apart
    lookup = node_lookup(letter, tlog.proof_subtrees(ranges) | set(tlog.covering_subtrees(0, second)[-1:]), second)
    hashes = tlog.range_hashes(ranges, lookup)
    return {"first": first, "second": second, "hashes": [h.hex() for h in hashes]}


LEAVES_PAGE_MAX = 65_536  # leaf hashes in one answer: 2 MiB


def leaf_hashes(*, letter: Letter, start: int, count: int) -> bytes:
    """The hashes of leaves start .. start + count - 1, concatenated (32 bytes each): what a
    checker needs to rebuild the whole tree and check a long list in one pass."""
    if not 0 < count <= LEAVES_PAGE_MAX:
        raise LogError(f"count must be between 1 and {LEAVES_PAGE_MAX}")
    if start < 0 or start + count > log_size(letter=letter):
        raise LogError(f"the log has {log_size(letter=letter)} leaves; ask only for leaves it has")
    rows = LogLeaf.objects.filter(letter=letter, index__gte=start, index__lt=start + count).order_by("index")
    return b"".join(bytes(value) for value in rows.values_list("leaf_hash", flat=True))
