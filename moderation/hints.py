"""Signals that help a moderator decide fast: is this person who they say they are?

`hints_for` reads one signature's fields; `hints_for_page` looks up duplicates and the
watchlist for a whole page of signatures in two queries.
"""

from dataclasses import dataclass

from django.db.models import Count

from signatures.domains import is_disposable, is_free_mail, resembles_organization, same_registrable_domain
from signatures.models import Signature, WatchlistEntry
from signatures.selectors.organizations import confirmed_domains_for
from signatures.services.signing import DISPOSABLE_REASON


@dataclass(frozen=True)
class Hint:
    kind: str  # "good", "warn" or "bad": how the badge is coloured
    text: str


def hints_for(signature, *, duplicates: int = 0, watchlisted: bool = False, confirmed_domain=None) -> list[Hint]:
    """`confirmed_domain`: the OrganizationDomain that covers the signer's email and names their
    organization, if moderators confirmed one. Without it a look-alike domain is only a warning:
    anyone can register microsoft-careers.net."""
    hints = []
    email, org, link = signature.email_normalized, signature.organization, signature.link
    if watchlisted:
        hints.append(Hint("bad", "On the watchlist: approve only after checking, with a note"))
    if confirmed_domain is not None:
        hints.append(
            Hint("good", f"Email at {confirmed_domain.domain}, confirmed for {confirmed_domain.organization.name}")
        )
    elif resembles_organization(email, org):
        hints.append(Hint("warn", "Domain resembles the organization (unconfirmed)"))
    if link and same_registrable_domain(email, link) and not is_free_mail(email):
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
        if reason != DISPOSABLE_REASON:  # shown above, in red
            hints.append(Hint("warn", reason))
    if signature.email_failed:
        hints.append(Hint("bad", "Emails to this address fail"))
    return hints


def hints_for_page(signatures) -> dict[int, list[Hint]]:
    """Hints for a page of signatures: duplicates, watchlist and confirmed domains found in three
    queries in all."""
    signatures = list(signatures)
    confirmed = confirmed_domains_for(signatures)
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
            confirmed_domain=confirmed.get(s.pk),
        )
        for s in signatures
    }
