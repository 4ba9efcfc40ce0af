"""Signals that help a moderator decide fast: is this person who they say they are?

`hints_for` reads one signature's fields; `hints_for_page` looks up duplicates and the
watchlist for a whole page of signatures in two queries.
"""

import re
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from signatures.domains import is_disposable, is_free_mail, resembles_organization, same_registrable_domain
from signatures.models import Signature, WatchlistEntry
from signatures.selectors.organizations import confirmed_domains_for
from signatures.services.signing import DISPOSABLE_REASON, VARIANT_REASON


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
        hints.append(Hint("bad", _("On the watchlist: approve only after checking, with a note")))
    if confirmed_domain is not None:
        text = _("Email at %(domain)s, confirmed for %(organization)s") % {
            "domain": confirmed_domain.domain,
            "organization": confirmed_domain.organization.name,
        }
        hints.append(Hint("good", text))
    elif resembles_organization(email, org):
        hints.append(Hint("warn", _("Domain resembles the organization (unconfirmed)")))
    if link and same_registrable_domain(email, link) and not is_free_mail(email):
        hints.append(Hint("good", _("Email domain matches the link")))
    if is_disposable(email):
        hints.append(Hint("bad", _("Disposable email domain")))
    elif is_free_mail(email):
        hints.append(Hint("warn", _("Free email provider")))
    if duplicates:
        text = ngettext(
            "Same or similar name on %(count)s other signature",
            "Same or similar name on %(count)s other signatures",
            duplicates,
        )
        hints.append(Hint("warn", text % {"count": duplicates}))
    for reason in signature.suspicious_reasons or []:
        if reason != DISPOSABLE_REASON:  # shown above, in red
            hints.append(Hint("warn", reason_text(reason)))
    if signature.email_failed:
        hints.append(Hint("bad", _("Emails to this address fail")))
    return hints


# The reasons signing stores (signatures/services/signing.py, insert.py) are kept in English in
# the database; they are put in the moderator's language when shown. A reason not known here
# shows as stored.
BURST_REASON = re.compile(r"Burst: (\d+) signatures from one network within (\d+) minutes")
LOADED_FORM_REASON = "Posted without loading the sign form"


def reason_text(reason: str) -> str:
    """A stored suspicion reason in the language of the page."""
    if reason == VARIANT_REASON:
        return _("Plus-addressed variant of another signer's email")
    if reason == LOADED_FORM_REASON:
        return _("Posted without loading the sign form")
    if reason == DISPOSABLE_REASON:
        return _("Disposable email domain")
    burst = BURST_REASON.fullmatch(reason)
    if burst:
        count, minutes = (int(group) for group in burst.groups())
        return _("Burst: %(count)s signatures from one network within %(minutes)s minutes") % {
            "count": count,
            "minutes": minutes,
        }
    return reason


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
