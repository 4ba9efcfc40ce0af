"""The audit log as a CSV download: every decision, who took it and when, in words and as data."""

import json
from types import SimpleNamespace

from django.utils import timezone, translation

from signatures.exports import csv_lines, csv_response
from signatures.models import ModerationEvent

from .accounts import moderator_required
from .templatetags.audit import audit_changes


@moderator_required
def audit_csv(request):
    """Every decision, oldest first: when, which moderator (their email; "signer" for the
    signer's own actions), what, on whose signature (the name; erased after a withdrawal), what
    changed in words, and the raw before/after for scripts.

    Always in English, whatever the moderator's language: the headers and values are data that
    scripts read, and the "changes" sentences stay in the language of the headers."""
    header = ["when", "moderator", "action", "signature", "letter", "before", "after", "note", "bulk"]
    header += ["signatory", "changes"]  # added after the first columns, which scripts may read by place
    events = (
        ModerationEvent.objects.order_by("created_at", "id")
        .values_list(
            "created_at",
            "actor_email",
            "action",
            "signature__public_id",
            "signature__letter__slug",
            "before",
            "after",
            "note",
            "bulk",
            "signature__name",
        )
        .iterator(chunk_size=2000)
    )
    rows = (
        (
            when.isoformat(),
            actor or "signer",
            action,
            public_id,
            slug,
            json.dumps(before),
            json.dumps(after),
            note,
            bulk,
            name or "(erased)",
            " ".join(audit_changes(SimpleNamespace(before=before, after=after))),
        )
        for when, actor, action, public_id, slug, before, after, note, bulk, name in events
    )
    return csv_response(f"moderation-audit-{timezone.now():%Y-%m-%d}.csv", csv_lines(header, _in_english(rows)))


def _in_english(rows):
    """The rows, made (they are made lazily, as the download streams) with English active."""
    with translation.override("en"):
        yield from rows
