"""The letter's transparency log: every change to its public list, appended as a leaf of an
RFC 9162 Merkle tree, with signed checkpoints and proofs that anyone can check offline.

A published row's leaf is the row's CSV line (`leaf_text`), so a row of a downloaded CSV hashes to
its leaf; the row's random public id keeps a leaf from being guessed. An edit appends the new row;
a withdrawal or rejection appends "removed,<public id>" (removals are visible, not silent), and a
withdrawal erases the stored text of that signer's leaves while their hashes stay in the tree.

Stored per letter: a head row (size; every append locks it), the leaves, and the hash of every
complete subtree, so a root or a proof at any size is a few dozen indexed lookups however long
the log. Appends run inside the caller's transaction: the leaves commit with the change.
"""

import base64
import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from letter.models import Letter

from .. import notes, tlog
from ..exports import PUBLIC_VALUES, csv_row, iso_utc, public_row
from ..models import Checkpoint, LogHead, LogLeaf, LogNode, Signature
from ..selectors.public import export_rows

BATCH = 5000  # rows per INSERT when appending many leaves (a bulk approval, an import)


class LogError(ValueError):
    """A request the log cannot answer: a size it never had, a leaf it does not hold."""


class LeafNotFound(LogError):
    """No leaf with this hash in the tree of the size asked for."""


# --- Leaves ------------------------------------------------------------------------------------


def leaf_text(row) -> str:
    """The leaf text of a published public row: its CSV line, exactly as the download writes it."""
    return csv_row(row)


def removal_text(public_id: str) -> str:
    return leaf_text(["removed", public_id])


def public_rows(*, signature_ids) -> list[tuple]:
    """The public rows of these signatures (exports.PUBLIC_COLUMNS), in approval order."""
    rows = Signature.objects.filter(pk__in=list(signature_ids)).order_by("approved_at", "id")
    return [public_row(*values) for values in rows.values_list(*PUBLIC_VALUES)]


# --- Appending ---------------------------------------------------------------------------------


def _locked_head(letter: Letter) -> LogHead:
    head, _created = LogHead.objects.select_for_update().get_or_create(letter=letter)
    return head


class _MissingNodes(LookupError):
    pass


def _hashes(letter: Letter, nodes) -> dict[tlog.Node, bytes]:
    """The stored hashes of these complete subtrees, in one query whatever their number (the
    leaves' own hashes and the nodes above them, by level). _MissingNodes if some do not exist.

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
        raise _MissingNodes(sorted(nodes - found.keys())[:5])
    return found


def _lookup(letter: Letter, nodes, size: int) -> tlog.NodeLookup:
    """A lookup into the hashes of `nodes` for a tree of `size` leaves. A size the log never had
    is the caller's mistake (LogError); a node missing inside the log is ours (RuntimeError)."""
    try:
        found = _hashes(letter, nodes)
    except _MissingNodes as exc:
        if not 0 < size <= log_size(letter=letter):
            raise _size_error(letter) from exc
        raise RuntimeError(f"the transparency log of letter {letter.pk} is missing nodes {exc}") from exc
    return lambda level, index: found[(level, index)]


def _size_error(letter: Letter) -> LogError:
    current = log_size(letter=letter)
    return LogError(f"the log has {current} leaves; a tree size must be between 1 and {current}")


COPY_MIN = 1000  # from this many leaves on, PostgreSQL gets them by COPY, far faster than INSERTs


def _insert(letter: Letter, first: int, leaves, hashes, created) -> None:
    if connection.vendor != "postgresql" or len(leaves) < COPY_MIN:
        LogLeaf.objects.bulk_create(
            (
                LogLeaf(letter=letter, index=first + i, leaf_hash=h, kind=kind, public_id=public_id, data=text)
                for i, ((kind, public_id, text), h) in enumerate(zip(leaves, hashes, strict=True))
            ),
            batch_size=BATCH,
        )
        LogNode.objects.bulk_create(
            (LogNode(letter=letter, level=level, index=index, hash=h) for level, index, h in created), batch_size=BATCH
        )
        return
    now = timezone.now()
    quote = connection.ops.quote_name
    leaf_columns = ", ".join(map(quote, ["letter_id", "index", "leaf_hash", "kind", "public_id", "data", "created_at"]))
    node_columns = ", ".join(map(quote, ["letter_id", "level", "index", "hash"]))
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote(LogLeaf._meta.db_table)} ({leaf_columns}) FROM STDIN") as copy:
            for i, ((kind, public_id, text), h) in enumerate(zip(leaves, hashes, strict=True)):
                copy.write_row((letter.pk, first + i, h, kind, public_id, text, now))
        with cursor.copy(f"COPY {quote(LogNode._meta.db_table)} ({node_columns}) FROM STDIN") as copy:
            for level, index, h in created:
                copy.write_row((letter.pk, level, index, h))


def _append(letter: Letter, leaves: list[tuple[str, str, str]]) -> int:
    """Append (kind, public id, text) leaves; returns the new size. Locks the letter's head row
    until the caller's transaction ends, so sizes and indexes never collide."""
    head = _locked_head(letter)
    if not leaves:
        return head.size
    old = head.size
    hashes = [tlog.leaf_hash(text.encode()) for _kind, _public_id, text in leaves]
    frontier = _lookup(letter, tlog.frontier(old), old)
    created = tlog.append_subtrees(old, frontier, hashes)
    _insert(letter, old, leaves, hashes, created)
    head.size = old + len(leaves)
    head.save(update_fields=["size", "updated_at"])
    return head.size


@transaction.atomic(savepoint=False)  # the caller's transaction, or one of its own
def log_append(*, letter: Letter, rows) -> int:
    """Log public rows (from `public_rows`) that were just published or edited. Returns the
    log's size. Call it inside the transaction that makes the change."""
    return _append(letter, [(LogLeaf.Kind.PUBLISHED, row[0], leaf_text(row)) for row in rows])


@transaction.atomic(savepoint=False)
def log_remove(*, letter: Letter, public_ids) -> int:
    """Log that these signatures left the public list (rejected or withdrawn after publication).
    Returns the log's size."""
    return _append(letter, [(LogLeaf.Kind.REMOVED, public_id, removal_text(public_id)) for public_id in public_ids])


def log_erase(*, public_ids) -> int:
    """Erase the stored text of these signatures' leaves (their signer withdrew): the hashes
    stay, so lists and checkpoints published before still verify."""
    return (
        LogLeaf.objects.filter(public_id__in=list(public_ids), kind=LogLeaf.Kind.PUBLISHED)
        .exclude(data="")
        .update(data="")
    )


def _per_letter(rows) -> dict[Letter, list]:
    """Rows whose first value is a letter id, grouped under their Letter (one query)."""
    grouped = {}
    for letter_id, *rest in rows:
        grouped.setdefault(letter_id, []).append(tuple(rest))
    letters = Letter.objects.in_bulk(list(grouped))
    return {letters[letter_id]: items for letter_id, items in grouped.items()}


def log_published(*, signature_ids) -> None:
    """Log the public rows of signatures just published or edited, whatever their letters: the
    one call the moderation services make, inside their transaction."""
    signatures = Signature.objects.filter(pk__in=list(signature_ids)).order_by("approved_at", "id")
    rows = signatures.values_list("letter_id", *PUBLIC_VALUES)
    for letter, values in _per_letter(rows).items():
        log_append(letter=letter, rows=[public_row(*v) for v in values])


def log_unpublished(*, signature_ids) -> None:
    """Log that these signatures (public until now) left the list, whatever their letters."""
    rows = (
        Signature.objects.filter(pk__in=list(signature_ids)).order_by("public_id").values_list("letter_id", "public_id")
    )
    for letter, public_ids in _per_letter(rows).items():
        log_remove(letter=letter, public_ids=[public_id for (public_id,) in public_ids])


SYNC_CHUNK = 10_000  # rows hashed and inserted at a time, so memory stays flat


def log_sync(*, letter: Letter, dry_run: bool = False) -> tuple[int, int]:
    """Make the log agree with the public list: log every public row whose current text is not
    its latest leaf, and a removal for every signature whose latest leaf is public but which is
    not any more. Returns (rows logged, removals logged). For a list published before the log
    existed, and as a safety net; the moderation services log each change as they make it.

    Holds the letter's log lock throughout, and reads every leaf's hash: a maintenance job."""
    with transaction.atomic():
        _locked_head(letter)
        latest = {}  # public id -> hash of its latest leaf if that publishes it, else None
        leaves = LogLeaf.objects.filter(letter=letter).order_by("index").values_list("public_id", "kind", "leaf_hash")
        for public_id, kind, value in leaves.iterator(chunk_size=SYNC_CHUNK):
            latest[public_id] = bytes(value) if kind == LogLeaf.Kind.PUBLISHED else None
        logged, pending, public = 0, [], set()
        for row in export_rows(letter=letter):  # the exact rows of the CSV download
            public.add(row[0])
            text = leaf_text(row)
            if latest.get(row[0]) != tlog.leaf_hash(text.encode()):
                pending.append((LogLeaf.Kind.PUBLISHED, row[0], text))
            if len(pending) >= SYNC_CHUNK:
                logged += len(pending)
                if not dry_run:
                    _append(letter, pending)
                pending = []
        gone = sorted(public_id for public_id, value in latest.items() if value is not None and public_id not in public)
        pending += [(LogLeaf.Kind.REMOVED, public_id, removal_text(public_id)) for public_id in gone]
        logged += len(pending) - len(gone)
        if not dry_run and pending:
            _append(letter, pending)
    return logged, len(gone)


# --- Reading: roots and proofs -----------------------------------------------------------------


def log_size(*, letter: Letter) -> int:
    return LogHead.objects.filter(letter=letter).values_list("size", flat=True).first() or 0


def log_root(*, letter: Letter, size: int) -> bytes:
    if size == 0:
        return tlog.EMPTY_ROOT
    return tlog.root_hash(size, _lookup(letter, tlog.covering_subtrees(0, size), size))


def inclusion_proof(*, letter: Letter, leaf_hash: bytes, tree_size: int) -> dict:
    """{leaf_index, tree_size, hashes}: the audit path of the first leaf with this hash in the
    tree of `tree_size` leaves. LogError if the size is not the log's or the leaf is not in it."""
    if tree_size < 1:
        raise _size_error(letter)
    index = (
        LogLeaf.objects.filter(letter=letter, leaf_hash=leaf_hash, index__lt=tree_size)
        .order_by("index")
        .values_list("index", flat=True)
        .first()
    )
    ranges = tlog.inclusion_path_ranges(index, tree_size) if index is not None else []
    lookup = _lookup(letter, tlog.proof_subtrees(ranges) | set(tlog.covering_subtrees(0, tree_size)[-1:]), tree_size)
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
    lookup = _lookup(letter, tlog.proof_subtrees(ranges) | set(tlog.covering_subtrees(0, second)[-1:]), second)
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


# --- Checkpoints -------------------------------------------------------------------------------

_DEV_KEY_LABEL = b"freefable transparency log development key\n"


def log_key_name() -> str:
    """The name checkpoints are signed under: TLOG_KEY_NAME, else the site's host."""
    return settings.TLOG_KEY_NAME or urlsplit(settings.SITE_URL).netloc or "localhost"


def log_signer() -> notes.Signer:
    """The checkpoint signer, from TLOG_SIGNING_KEY and TLOG_KEY_NAME.

    With DEBUG on and no key, a development key derived from SECRET_KEY (so `make run` and the
    tests sign without setup, and the same SECRET_KEY gives the same key). With DEBUG off and no
    key there is nothing to sign with: ImproperlyConfigured (the deploy check says so first)."""
    name = log_key_name()
    key = settings.TLOG_SIGNING_KEY
    if key:
        return notes.Signer.from_setting(key, name)
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "TLOG_SIGNING_KEY is not set, so the transparency log cannot sign checkpoints. "
            "Generate one with: python manage.py tlog_keygen"
        )
    return notes.Signer(name, hashlib.sha256(_DEV_KEY_LABEL + settings.SECRET_KEY.encode()).digest())


def log_origin(*, letter: Letter, signer: notes.Signer | None = None) -> str:
    """The checkpoint's first line: <key name>/letters/<slug>, one log per letter."""
    return f"{(signer or log_signer()).name}/letters/{letter.slug}"


def checkpoint_publish(*, letter: Letter) -> Checkpoint:
    """The latest checkpoint, after signing a new one if the log grew since. Kept for ever, one
    per size: a reader holding any of them can ask for a consistency proof from it."""
    signer = log_signer()
    latest = Checkpoint.objects.filter(letter=letter).first()
    if latest is not None and latest.tree_size >= log_size(letter=letter):
        return latest
    with transaction.atomic():
        head = _locked_head(letter)  # appends wait; the root is of exactly head.size leaves
        latest = Checkpoint.objects.filter(letter=letter).first()
        if latest is not None and latest.tree_size >= head.size:
            return latest  # another request signed it while we waited
        root = log_root(letter=letter, size=head.size)
        body = notes.Checkpoint(log_origin(letter=letter, signer=signer), head.size, root)
        return Checkpoint.objects.create(
            letter=letter, tree_size=head.size, root_hash=root, note=signer.sign_note(body.text)
        )


def checkpoint_summary(checkpoint: Checkpoint) -> dict:
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
        "created_at": iso_utc(checkpoint.created_at),
        "note": checkpoint.note,
    }
