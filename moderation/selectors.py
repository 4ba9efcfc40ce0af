"""Reads for the moderation queue: its filters and its search."""

import base64
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from signatures.models import Signature
from signatures.selectors.cache import stable_key
from signatures.selectors.public import clean_query

Status = Signature.Status

FILTERS = {
    # name: (label, filter, ordering). The labels name groups of signatures (in Spanish, plural
    # and feminine: "Aprobadas"), hence their own context.
    "awaiting": (pgettext_lazy("queue filter", "Awaiting review"), Q(status=Status.VERIFIED), ("verified_at", "id")),
    "approved": (pgettext_lazy("queue filter", "Approved"), Q(status=Status.APPROVED), ("-approved_at", "-id")),
    "rejected": (pgettext_lazy("queue filter", "Rejected"), Q(status=Status.REJECTED), ("-rejected_at", "-id")),
    "featured": (
        pgettext_lazy("queue filter", "Featured"),
        Q(status=Status.APPROVED, featured=True),
        ("-approved_at", "-id"),
    ),
    "suspicious": (
        pgettext_lazy("queue filter", "Suspicious"),
        Q(status=Status.VERIFIED) & ~Q(suspicious_reasons=[]),
        ("verified_at", "id"),
    ),
    "unconfirmed": (pgettext_lazy("queue filter", "Unconfirmed"), Q(status=Status.PENDING), ("-created_at", "-id")),
    "all": (pgettext_lazy("queue filter", "All"), ~Q(status=Status.WITHDRAWN), ("-created_at", "-id")),
}
DEFAULT_FILTER = "awaiting"


def queue_signatures(*, status: str = DEFAULT_FILTER, q: str = ""):
    """The queue's signatures for a filter and a search (name, organization or email)."""
    _, condition, ordering = FILTERS.get(status, FILTERS[DEFAULT_FILTER])
    qs = Signature.objects.filter(condition).select_related("letter")
    q = clean_query(q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organization__icontains=q) | Q(email_normalized__icontains=q.lower()))
    return qs.order_by(*ordering)


# What a queue page shows and its hints read (.only(): no moderation notes or JSON of the audit).
QUEUE_FIELDS = (
    "letter__slug",
    "name",
    "name_key",
    "title",
    "organization",
    "link",
    "email",
    "email_normalized",
    "status",
    "featured",
    "suspicious_reasons",
    "email_failed",
    "created_at",
    "verified_at",
    "approved_at",
    "rejected_at",
)
COUNT_CAP = 10_000  # "10,000+": a moderator needs to know the queue is long, not how long
COUNT_FRESH = 30  # seconds a large count is reused


def _order(status: str) -> tuple[str, bool]:
    """The time field a filter sorts by, and whether newest first."""
    field = FILTERS.get(status, FILTERS[DEFAULT_FILTER])[2][0]
    return field.lstrip("-"), field.startswith("-")


def queue_cursor(signature, status: str) -> str:
    field, _ = _order(status)
    raw = f"{getattr(signature, field).isoformat()}|{signature.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str, status: str) -> Q | None:
    """Rows after the cursor in the filter's order (keyset paging: no OFFSET, so a deep page
    costs what the first does). None for a cursor we did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        moment, pk = datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None
    if moment.tzinfo is None:
        return None
    field, newest_first = _order(status)
    if newest_first:  # "field <= X" first gives the index a range to start from
        return Q(**{f"{field}__lte": moment}) & (Q(**{f"{field}__lt": moment}) | Q(id__lt=pk))
    return Q(**{f"{field}__gte": moment}) & (Q(**{f"{field}__gt": moment}) | Q(id__gt=pk))


def queue_page(*, status: str = DEFAULT_FILTER, q: str = "", after: str = "", limit: int = 50):
    """One page of the queue and the cursor of the next one (None at the end)."""
    qs = queue_signatures(status=status, q=q).only(*QUEUE_FIELDS)
    condition = _after(after, status) if after else None
    if condition is not None:
        qs = qs.filter(condition)
    rows = list(qs[: limit + 1])
    return rows[:limit], (queue_cursor(rows[limit - 1], status) if len(rows) > limit else None)


def queue_count(*, status: str = DEFAULT_FILTER, q: str = "") -> int:
    """How many signatures a filter and search hold, counted up to COUNT_CAP + 1. A count in
    the thousands is kept COUNT_FRESH seconds (it only changes by the decisions being made);
    a small one is always exact."""
    key = f"moderation:count:{stable_key(status, clean_query(q))}"
    count = cache.get(key)
    if count is None:
        qs = queue_signatures(status=status, q=q)
        if clean_query(q):  # a search: its indexes find the rows, in no particular order
            qs = qs.order_by()
        # Without a search the filter's order is kept: its index holds the rows of one status
        # together, where a scan of the table could read a million others before them.
        count = qs.values("pk")[: COUNT_CAP + 1].count()
        if count > 1000:
            cache.set(key, count, COUNT_FRESH)
    return count


def signature_for_review(*, pk: int) -> Signature | None:
    return Signature.objects.select_related("letter", "version", "moderated_by").filter(pk=pk).first()
