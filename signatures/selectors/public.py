"""Reads for the public pages: the count, the list (search, filters, keyset pages), exports.
Everything here reads approved signatures only, through `Signature.objects.public()`."""

import base64
import hashlib
import re
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connections
from django.db.models import BooleanField, Count, Max, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone

from freefable.cache import LocalMemo
from freefable.db import public_database
from letter.models import Letter

from ..exports import PUBLIC_VALUES, public_row
from ..models import ModerationEvent, Signature
from .cache import cached_aggregate, count_key, list_generation, local


def _public():
    """Approved signatures, read from the replica when DATABASE_REPLICA_URL is set."""
    return Signature.objects.db_manager(public_database()).public()


COUNT_FRESH = 3  # seconds a computed count is served before one request recomputes it
AGGREGATE_FRESH = 300  # organization counts and the per-day chart may lag by five minutes
PUBLIC_FIELDS = (
    "public_id",
    "name",
    "title",
    "organization",
    "link",
    "verification",
    "featured",
    "identification_only",
    "approved_at",
    "created_at",
)


def public_count(*, letter: Letter) -> int:
    """The number of approved signatures.

    Counted at most once every COUNT_FRESH seconds however many readers refresh the page (and
    at once after a change, which drops the cached value); approvals take no lock on a shared
    counter row.
    """
    key = count_key(letter.pk)
    count = local.get(key)
    if count is None:
        count = cached_aggregate(key, COUNT_FRESH, lambda: _public().filter(letter=letter).count())
        local.set(key, count)
    return count


def list_state(*, letter: Letter) -> tuple[str, datetime]:
    """(ETag, Last-Modified) for the public list: every public change writes an audit event, so
    the newest event and the count identify what is published."""
    key = f"letter:{letter.pk}:state:{list_generation(letter.pk)}"
    state = cache.get(key)
    if state is None:
        last = ModerationEvent.objects.aggregate(id=Max("id"), at=Max("created_at"))
        modified = max(filter(None, [last["at"], letter.updated_at]))
        tag = f"{letter.pk}.{letter.current_version_id}.{last['id'] or 0}.{public_count(letter=letter)}"
        state = (hashlib.sha256(tag.encode()).hexdigest()[:20], modified.replace(microsecond=0))
        cache.set(key, state, 60)
    return state


def featured_signatures(*, letter: Letter, limit: int = 12):
    return list(_public().filter(letter=letter, featured=True).only(*PUBLIC_FIELDS)[:limit])


def recent_signatures(*, letter: Letter, limit: int = 10):
    return list(_public().filter(letter=letter).order_by("-approved_at", "-id").only(*PUBLIC_FIELDS)[:limit])


# --- The public list: search, filters, keyset pagination -------------------------------------


def _encode_cursor(signature: Signature) -> str:
    raw = f"{int(signature.featured)}|{signature.approved_at.isoformat()}|{signature.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        featured, approved_at, pk = raw.split("|")
        moment, pk = datetime.fromisoformat(approved_at), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None
    if moment.tzinfo is None or not 0 < pk < 2**63:  # not one we made: start from the top
        return None
    return featured == "1", moment, pk


def _after(cursor: str) -> Q:
    """Rows after the cursor in the public order: featured first, then oldest approval first.
    New approvals sort last, so the pages a reader has seen do not shift."""
    decoded = decode_cursor(cursor)
    if decoded is None:
        return Q()
    featured, approved_at, pk = decoded
    # "approved_at >= X" first gives the index a range to start from; the rest breaks ties.
    later = Q(approved_at__gte=approved_at) & (Q(approved_at__gt=approved_at) | Q(id__gt=pk))
    if featured:
        return Q(featured=True) & later | Q(featured=False)
    return Q(featured=False) & later


def clean_query(text: str, max_length: int = 100) -> str:
    """Search text as a database can take it: no NUL or other control characters (PostgreSQL
    refuses NUL in text), white space folded, length capped."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:max_length]


# PostgreSQL: the words of each signature are in a stored column (migration 0015), searched
# through its full-text index. The function form of the match (ts_match_vq) is the same test
# that no index can serve: a broad search walks the list in public order, testing each row.
_MATCH = """"signatures_signature"."search_vector" @@ to_tsquery('simple'::regconfig, freefable_unaccent(%s))"""
_MATCH_IN_ORDER = (
    """ts_match_vq("signatures_signature"."search_vector", to_tsquery('simple'::regconfig, freefable_unaccent(%s)))"""
)
_WORD = re.compile(r"[^\W_]+")
# A search with at most this many matches reads them all from the index and sorts them (a few
# milliseconds); one with more finds its page by walking the list in public order, where one row
# in SPARSE / 1,000,000 or more matches, so a page of 50 is found within some 25,000 rows.
SPARSE = 2000
_candidates = LocalMemo(ttl=60, size=64)


def search_terms(q: str) -> str:
    """The full-text query for a search: every word, the last one as a prefix, so "ada lov"
    finds "Ada Lovelace" while it is typed. Only letters and digits reach the query syntax."""
    words = _WORD.findall(q.lower())[:10]
    return " & ".join([*words[:-1], f"{words[-1]}:*"]) if words else ""


def _full_text(qs) -> bool:
    return connections[qs.db].vendor == "postgresql"


def _search(qs, q: str, *, in_order: bool = False):
    """Signatures whose name, title or organization match `q`: word by word, accents folded,
    on PostgreSQL; a case-insensitive substring elsewhere (SQLite, for `make run`)."""
    if not _full_text(qs):
        return qs.filter(Q(name__icontains=q) | Q(title__icontains=q) | Q(organization__icontains=q))
    terms = search_terms(q)
    if not terms:  # punctuation only: nothing a word can match
        return qs.none()
    # S611: the SQL is one of the constants above; the search text is a parameter.
    return qs.filter(RawSQL(_MATCH_IN_ORDER if in_order else _MATCH, [terms], output_field=BooleanField()))  # noqa: S611


def _matching(*, letter: Letter, q: str, level: str, in_order: bool = False):
    """The public signatures a search and a verification filter select."""
    q = clean_query(q)
    qs = _public().filter(letter=letter)
    if q:
        qs = _search(qs, q, in_order=in_order)
    if level in Signature.Verification.values:
        qs = qs.filter(verification=level)
    return qs


def _sparse_matches(*, letter: Letter, q: str, level: str) -> list[int] | None:
    """PostgreSQL: the ids of a search's matches if there are at most SPARSE, else None. One
    read of the full-text index (no ORDER BY, so nothing tempts PostgreSQL to walk the list),
    kept until the list changes: the count and the page of one request share it."""
    key = (letter.pk, list_generation(letter.pk), clean_query(q), level)
    ids = _candidates.get(key)
    if ids is None:
        found = list(_matching(letter=letter, q=q, level=level).order_by().values_list("pk", flat=True)[: SPARSE + 1])
        ids = found if len(found) <= SPARSE else ()
        _candidates.set(key, ids)
    return None if ids == () else ids


MATCH_COUNT_CAP = 1000


def public_match_count(*, letter: Letter, q: str = "", level: str = "") -> int:
    """How many signatures a search matches, counted up to MATCH_COUNT_CAP + 1 ("1,000+"): a
    reader wants to know whether their search found 3 or many, and a broad search on a big list
    must not count every row."""
    if clean_query(q) and _full_text(_public()):
        ids = _sparse_matches(letter=letter, q=q, level=level)
        return MATCH_COUNT_CAP + 1 if ids is None else min(len(ids), MATCH_COUNT_CAP + 1)
    return _matching(letter=letter, q=q, level=level).order_by().values("pk")[: MATCH_COUNT_CAP + 1].count()


def public_signatures(*, letter: Letter, q: str = "", level: str = "", after: str = "", limit: int = 50):
    """One page of the public list and the cursor of the next page (None at the end).

    Search matches name, title and organization (`_search`: on PostgreSQL whole words, the
    last one as a prefix, accents folded, from the full-text index of migration 0015)."""
    qs = _matching(letter=letter, q=q, level=level)
    if clean_query(q) and _full_text(qs):
        ids = _sparse_matches(letter=letter, q=q, level=level)
        # Few matches: those rows, sorted. Many: walk the public order, testing each row.
        qs = (
            _public().filter(pk__in=ids)
            if ids is not None
            else _matching(letter=letter, q=q, level=level, in_order=True)
        )
    if after:
        qs = qs.filter(_after(after))
    rows = list(qs.select_related("version").only(*PUBLIC_FIELDS, "version__number", "version__language")[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def organization_counts(*, letter: Letter, limit: int = 15) -> list[tuple[str, int]]:
    """The most represented organizations. A GROUP BY over the whole list, so it is recomputed
    every few minutes rather than after each approval."""
    return cached_aggregate(
        f"letter:{letter.pk}:orgs",
        AGGREGATE_FRESH,
        lambda: list(
            _public()
            .filter(letter=letter)
            .exclude(organization="")
            .values_list("organization")
            .annotate(n=Count("id"))
            .order_by("-n", "organization")[:limit]
        ),
    )


def signatures_per_day(*, letter: Letter, days: int = 60) -> list[tuple]:
    """Approved signatures by the day they were signed, for the last `days` days with any."""

    def compute():
        since = timezone.now() - timedelta(days=days)
        return list(
            _public()
            .filter(letter=letter, created_at__gte=since)
            .annotate(day=TruncDate("created_at"))
            .values_list("day")
            .annotate(n=Count("id"))
            .order_by("day")
        )

    return cached_aggregate(f"letter:{letter.pk}:perday", AGGREGATE_FRESH, compute)


# --- Exports ---------------------------------------------------------------------------------


def export_rows(*, letter: Letter, until: datetime | None = None):
    """Approved signatures as public rows (exports.PUBLIC_COLUMNS), oldest approval first,
    streamed in chunks (a server-side cursor on PostgreSQL): memory stays flat however long."""
    qs = _public().filter(letter=letter)
    if until is not None:
        qs = qs.filter(approved_at__lt=until)
    rows = qs.order_by("approved_at", "id").values_list(*PUBLIC_VALUES)
    for values in rows.iterator(chunk_size=2000):
        yield public_row(*values)
