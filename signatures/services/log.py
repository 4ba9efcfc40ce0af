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

from django.db import connection, transaction
from django.utils import timezone

from freefable.cache import shared_responses
from letter.models import Letter

from .. import tlog
from ..exports import PUBLIC_VALUES, csv_row, public_row
from ..models import LogHead, LogLeaf, LogNode, Signature
from ..selectors.log import node_lookup
from ..selectors.public import export_rows

BATCH = 5000  # rows per INSERT when appending many leaves (a bulk approval, an import)


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


def locked_head(letter: Letter) -> LogHead:
    head, _created = LogHead.objects.select_for_update().get_or_create(letter=letter)
    return head


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


def _append(letter: Letter, leaves: list[tuple[str, str, str]], hashes: list[bytes] | None = None) -> int:
    """Append (kind, public id, text) leaves (with their hashes, if the caller made them);
    returns the new size. Locks the letter's head row until the caller's transaction ends, so
    sizes and indexes never collide."""
    head = locked_head(letter)
    if not leaves:
        return head.size
    old = head.size
    if hashes is None:
        hashes = leaf_hashes(leaves)
    frontier = node_lookup(letter, tlog.frontier(old), old)
    created = tlog.append_subtrees(old, frontier, hashes)
    _insert(letter, old, leaves, hashes, created)
    head.size = old + len(leaves)
    head.save(update_fields=["size", "updated_at"])
    # The log's public answers (its checkpoint above all) change: this worker's kept copies go
    # now and again at commit (a request in between kept the old ones), the other workers'
    # within a second (freefable/cache.py).
    shared_responses.clear()
    transaction.on_commit(shared_responses.clear)
    return head.size


def leaf_hashes(leaves) -> list[bytes]:
    return [tlog.leaf_hash(text.encode()) for _kind, _public_id, text in leaves]


def published_leaves(rows) -> list[tuple[str, str, str]]:
    """The (kind, public id, text) leaves of public rows just published or edited."""
    return [(LogLeaf.Kind.PUBLISHED, row[0], leaf_text(row)) for row in rows]


@transaction.atomic(savepoint=False)  # the caller's transaction, or one of its own
def log_append(*, letter: Letter, rows=None, leaves=None, hashes=None) -> int:
    """Log public rows (from `public_rows`) that were just published or edited. Returns the
    log's size. Call it inside the transaction that makes the change.

    A caller that waits for the log (the import: each batch after the one before) can make the
    leaves and their hashes first (`published_leaves`, `leaf_hashes`: no database) and pass
    them instead of `rows`, so that less happens while the log is locked."""
    if leaves is None:
        leaves = published_leaves(rows)
    return _append(letter, leaves, hashes)


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
        locked_head(letter)
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
