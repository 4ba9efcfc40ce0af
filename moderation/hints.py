"""Signals that help a moderator decide fast: is this person who they say they are?

`hints_for` reads one signature's fields; `hints_for_page` looks up duplicates and the
watchlist for a whole page of signatures in two queries.
"""

from dataclasses import dataclass

from django.db.models import Count

from signatures.matching import domain_matches_link, domain_matches_organization, is_disposable, is_free_mail
from signatures.models import Signature, WatchlistEntry


@dataclass(frozen=True)
class Hint:
    kind: str  # "good", "warn" or "bad": how the badge is coloured
    text: str


def hints_for(signature, *, duplicates: int = 0, watchlisted: bool = False) -> list[Hint]:
    hints = []
    email, org, link = signature.email_normalized, signature.organization, signature.link
    if watchlisted:
        hints.append(Hint("bad", "On the watchlist: approve only after checking, with a note"))
    if domain_matches_organization(email, org):
        hints.append(Hint("good", "Email domain matches the organization"))
    if link and domain_matches_link(email, link) and not is_free_mail(email):
        hints.append(Hint("good", "Email domain matches the link"))
    if is_disposable(email):
        hints.append(Hint("bad", "Disposable email domain"))
    elif is_free_mail(email):
        hints.append(Hint("warn", "Free email provider"))
    if duplicates:
        hints.append(
            Hint("warn", f"Same or similar name on {duplicates} other signature{'s' if duplicates > 1 else ''}")
        )
    for reason in signature.suspicious_reasons or []:
        hints.append(Hint("warn", reason))
    if signature.email_failed:
        hints.append(Hint("bad", "Emails to this address fail"))
    return hints


def hints_for_page(signatures) -> dict[int, list[Hint]]:
    """Hints for a page of signatures: duplicates and watchlist found in two queries in all."""
    signatures = list(signatures)
    keys = {s.name_key for s in signatures if s.name_key}
    watch = set(WatchlistEntry.objects.filter(name_key__in=keys).values_list("name_key", flat=True))
    counts = {
        (row["letter_id"], row["name_key"]): row["n"]
        for row in Signature.objects.filter(name_key__in=keys)
        .exclude(status=Signature.Status.WITHDRAWN)
        .values("letter_id", "name_key")
        .annotate(n=Count("id"))
    }
    return {
        s.pk: hints_for(
            s,
            duplicates=max(counts.get((s.letter_id, s.name_key), 1) - 1, 0),
            watchlisted=s.name_key in watch,
        )
        for s in signatures
    }
