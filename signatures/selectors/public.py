"""Reads for the public pages, and the caching that keeps them cheap under a surge.

Every change to who is public (approve, reject, feature, edit, withdraw, import) calls
`public_list_changed` after its commit: it drops the cached count and replaces the letter's
"list generation", a token in every cached page's key, so no stale page is served.
"""

import base64
import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from letter.models import Letter

from .models import ModerationEvent, Signature

COUNT_FRESH = 3  # seconds a computed count is served before one request recomputes it
AGGREGATE_FRESH = 300  # organization counts and the per-day chart may lag by five minutes
KEEP = 24 * 3600  # how long a stale value is kept, to serve while it is recomputed
PUBLIC_FIELDS = (
    "public_id",
    "name",
    "title",
    "organization",
    "link",
    "verification",
    "featured",
    "approved_at",
    "created_at",
)


def _count_key(letter_id: int) -> str:
    return f"letter:{letter_id}:count"


def _generation_key(letter_id: int) -> str:
    return f"letter:{letter_id}:gen"


def list_generation(letter_id: int) -> str:
    """A token that changes whenever the letter's public list changes (part of cache keys)."""
    gen = cache.get(_generation_key(letter_id))
    if gen is None:
        gen = uuid.uuid4().hex[:12]
        if not cache.add(_generation_key(letter_id), gen, None):
            gen = cache.get(_generation_key(letter_id)) or gen
    return gen


def public_list_changed(letter_id: int) -> None:
    cache.set(_generation_key(letter_id), uuid.uuid4().hex[:12], None)
    cache.delete(_count_key(letter_id))


def cached_aggregate(key: str, fresh: float, compute):
    """A value that is costly to compute, computed by one request at a time.

    When the cached value is older than `fresh` seconds, the request that wins a short lock
    recomputes it while the others keep serving the old value; with no value at all, the others
    wait briefly for the winner instead of all computing at once (no stampede after a restart).
    """
    entry = cache.get(key)
    now = time.time()
    if entry is not None:
        value, computed_at = entry
        if now - computed_at < fresh or not cache.add(key + ":lock", 1, 30):
            return value
    elif not cache.add(key + ":lock", 1, 30):
        for _ in range(100):  # up to ~5 s, then compute anyway
            time.sleep(0.05)
            entry = cache.get(key)
            if entry is not None:
                return entry[0]
    value = compute()
    cache.set(key, (value, time.time()), KEEP)
    cache.delete(key + ":lock")
    return value


def public_count(*, letter: Letter) -> int:
    """The number of approved signatures.

    Counted at most once every COUNT_FRESH seconds however many readers refresh the page (and
    at once after a change, which drops the cached value); approvals take no lock on a shared
    counter row.
    """
    return cached_aggregate(
        _count_key(letter.pk),
        COUNT_FRESH,
        lambda: Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED).count(),
    )


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
    return list(Signature.objects.public().filter(letter=letter, featured=True).only(*PUBLIC_FIELDS)[:limit])


def recent_signatures(*, letter: Letter, limit: int = 10):
    return list(
        Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED)
        .order_by("-approved_at", "-id")
        .only(*PUBLIC_FIELDS)[:limit]
    )


# --- The public list: search, filters, keyset pagination -------------------------------------


def _encode_cursor(signature: Signature) -> str:
    raw = f"{int(signature.featured)}|{signature.approved_at.isoformat()}|{signature.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str):
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
    decoded = _decode_cursor(cursor)
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


def public_signatures(*, letter: Letter, q: str = "", level: str = "", after: str = "", limit: int = 50):
    """One page of the public list and the cursor of the next page (None at the end).

    Search matches name, title and organization (case-insensitive; on PostgreSQL a trigram
    index serves it, see migration 0005)."""
    q = clean_query(q)
    qs = Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED).order_by(
        "-featured", "approved_at", "id"
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(title__icontains=q) | Q(organization__icontains=q))
    if level in Signature.Verification.values:
        qs = qs.filter(verification=level)
    if after:
        qs = qs.filter(_after(after))
    rows = list(qs.only(*PUBLIC_FIELDS)[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def organization_counts(*, letter: Letter, limit: int = 15) -> list[tuple[str, int]]:
    """The most represented organizations. A GROUP BY over the whole list, so it is recomputed
    every few minutes rather than after each approval."""
    return cached_aggregate(
        f"letter:{letter.pk}:orgs",
        AGGREGATE_FRESH,
        lambda: list(
            Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED)
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
            Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED, created_at__gte=since)
            .annotate(day=TruncDate("created_at"))
            .values_list("day")
            .annotate(n=Count("id"))
            .order_by("day")
        )

    return cached_aggregate(f"letter:{letter.pk}:perday", AGGREGATE_FRESH, compute)


# --- Exports ---------------------------------------------------------------------------------

EXPORT_COLUMNS = ["id", "name", "title", "organization", "link", "signed_at", "verification", "letter_version"]


def export_rows(*, letter: Letter, until: datetime | None = None):
    """Approved signatures as export rows, oldest approval first, streamed from the database in
    chunks (a server-side cursor on PostgreSQL): memory stays flat however long the list."""
    qs = Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED)
    if until is not None:
        qs = qs.filter(approved_at__lt=until)
    rows = qs.order_by("approved_at", "id").values_list(
        "public_id", "name", "title", "organization", "link", "created_at", "verification", "version__number"
    )
    for public_id, name, title, org, link, signed, level, version in rows.iterator(chunk_size=2000):
        yield (public_id, name, title, org, link, iso_utc(signed), level, version)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
