"""Reads for the moderation queue: its filters and its search."""

from django.db.models import Q

from signatures.models import Signature
from signatures.selectors.public import clean_query

Status = Signature.Status

FILTERS = {
    # name: (label, filter, ordering)
    "awaiting": ("Awaiting review", Q(status=Status.VERIFIED), ("verified_at", "id")),
    "approved": ("Approved", Q(status=Status.APPROVED), ("-approved_at", "-id")),
    "rejected": ("Rejected", Q(status=Status.REJECTED), ("-rejected_at", "-id")),
    "featured": ("Featured", Q(status=Status.APPROVED, featured=True), ("-approved_at", "-id")),
    "suspicious": ("Suspicious", Q(status=Status.VERIFIED) & ~Q(suspicious_reasons=[]), ("verified_at", "id")),
    "unconfirmed": ("Unconfirmed", Q(status=Status.PENDING), ("-created_at", "-id")),
    "all": ("All", ~Q(status=Status.WITHDRAWN), ("-created_at", "-id")),
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


def signature_for_review(*, pk: int) -> Signature | None:
    return Signature.objects.select_related("letter", "version", "moderated_by").filter(pk=pk).first()
