"""Reads for the public pages: the count, the list (search, filters, keyset pages), exports.
Everything here reads approved signatures only, through `Signature.objects.public()`."""

import base64
import hashlib
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

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


def _matching(*, letter: Letter, q: str, level: str):
    """The public signatures a search and a verification filter select."""
    q = clean_query(q)
    qs = _public().filter(letter=letter)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(title__icontains=q) | Q(organization__icontains=q))
    if level in Signature.Verification.values:
        qs = qs.filter(verification=level)
    return qs


MATCH_COUNT_CAP = 1000


def public_match_count(*, letter: Letter, q: str = "", level: str = "") -> int:
    """How many signatures a search matches, counted up to MATCH_COUNT_CAP + 1 ("1,000+"): a
    reader wants to know whether their search found 3 or many, and a broad search on a big list
    must not count every row."""
    return _matching(letter=letter, q=q, level=level).values("pk")[: MATCH_COUNT_CAP + 1].count()


def public_signatures(*, letter: Letter, q: str = "", level: str = "", after: str = "", limit: int = 50):
    """One page of the public list and the cursor of the next page (None at the end).

    Search matches name, title and organization (case-insensitive; on PostgreSQL a trigram
    index serves it, see migration 0005)."""
    qs = _matching(letter=letter, q=q, level=level)
    if after:
        qs = qs.filter(_after(after))
    rows = list(qs.select_related("version").only(*PUBLIC_FIELDS, "version__number")[: limit + 1])
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
