"""Email and web domains: who owns them, and what they say about a signer.

Pure functions, no database. The Public Suffix List (`publicsuffixlist`) and the list of
disposable mail domains (`disposable_email_domains`) ship inside their packages and are read from
disk: nothing here touches the network. Updating either list is updating its pin in
requirements.txt.

What a domain proves is decided elsewhere: an organization's *confirmed* domains are kept by
moderators (see moderation.services). `resembles_organization` is a hint for a moderator's eye
and never a verification.
"""

import contextlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from disposable_email_domains import blocklist as _DISPOSABLE_DOMAINS
from publicsuffixlist import PublicSuffixList

# The whole list, private section included: github.io and blogspot.com are public suffixes,
# since anyone can have a name under them, and alice.github.io belongs to alice alone.
_PSL = PublicSuffixList()

# Mailbox providers anyone can sign up to: an address there says nothing about affiliation.
# Hand-kept, the big providers only: a wrong entry here would hide a real organization's domain.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk live.com msn.com yahoo.com yahoo.co.uk
    yahoo.fr ymail.com icloud.com me.com mac.com aol.com proton.me protonmail.com pm.me gmx.com gmx.de gmx.net
    web.de mail.com zoho.com yandex.com yandex.ru mail.ru inbox.ru qq.com 163.com 126.com sina.com naver.com
    hanmail.net fastmail.com fastmail.fm tutanota.com tuta.io hey.com orange.fr free.fr laposte.net libero.it
    t-online.de btinternet.com comcast.net verizon.net att.net sbcglobal.net rediffmail.com
    """.split()
)

# Words too common in organization names to say anything about a domain.
ORG_STOPWORDS = frozenset(
    "the of and for inc llc ltd gmbh corp corporation company co group university college institute school "
    "foundation association society center centre labs lab security systems technologies technology global".split()
)

# Dots as IDNA reads them (RFC 3490, 3.1): a browser or mail client treats all four as ".".
_DOT_CHARACTERS = ".\u3002\uff0e\uff61"
_DOTS = str.maketrans(dict.fromkeys(_DOT_CHARACTERS[1:], "."))


@lru_cache(maxsize=4096)  # pure; a moderation page asks the same domains again and again
def normalize_domain(host: str) -> str:
    """Lower case, no trailing dot, Unicode form (an "xn--" label decoded), IDNA dots as "."."""
    host = unicodedata.normalize("NFKC", host.translate(_DOTS)).strip().strip(".").lower()
    if "xn--" in host:
        with contextlib.suppress(UnicodeError):  # not valid punycode: compared as written
            host = host.encode("ascii").decode("idna")
    return host


@lru_cache(maxsize=4096)  # pure; a moderation page asks the same domains again and again
def registrable_domain(host: str) -> str:
    """The part of `host` that one owner registered: "x.turkishairlines.com.tr" ->
    "turkishairlines.com.tr", "cs.example.ac.uk" -> "example.ac.uk". Empty for a public suffix
    itself ("com.tr") or an empty host. An unknown top-level domain counts as a one-label
    suffix, as the list's own algorithm says ("google-careers.example")."""
    host = normalize_domain(host)
    return (_PSL.privatesuffix(host) or "") if host else ""


def email_domain(email: str) -> str:
    return normalize_domain(email.rpartition("@")[2]) if "@" in email else ""


def link_domain(link: str) -> str:
    try:
        return normalize_domain(urlsplit(link).hostname or "")
    except ValueError:
        return ""


def domain_is_or_under(domain: str, confirmed: str | Iterable[str]) -> bool:
    """`domain` is `confirmed` or a subdomain of it (cs.example.ac.uk is under example.ac.uk;
    notexample.ac.uk and example.ac.uk.evil.tk are not). `confirmed` may be several domains."""
    domain = normalize_domain(domain)
    if not domain:
        return False
    candidates = [confirmed] if isinstance(confirmed, str) else confirmed
    for candidate in candidates:
        candidate = normalize_domain(candidate)
        if candidate and (domain == candidate or domain.endswith("." + candidate)):
            return True
    return False


def owned_domains(host: str) -> list[str]:
    """`host` and each parent down to its registrable domain: the domains an organization may
    have confirmed that cover this host. "cs.example.ac.uk" -> ["cs.example.ac.uk",
    "example.ac.uk"]; never a public suffix ("ac.uk")."""
    host, registrable = normalize_domain(host), registrable_domain(host)
    if not registrable:
        return []
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - registrable.count("."))]


def same_registrable_domain(email: str, link: str) -> bool:
    """The email and the link are on one registrable domain (jane@cs.example.edu and
    https://www.example.edu/~jane), by the Public Suffix List: attacker.com.tr and
    turkishairlines.com.tr are two owners."""
    host, domain = registrable_domain(link_domain(link)), registrable_domain(email_domain(email))
    return bool(host) and host == domain


def is_free_mail(email: str) -> bool:
    domain = email_domain(email)
    return domain in FREE_MAIL_DOMAINS or registrable_domain(domain) in FREE_MAIL_DOMAINS


def is_disposable(email: str) -> bool:
    """The address is at a throwaway mail service, or under one of its domains."""
    domain = email_domain(email)
    labels = domain.split(".")
    # The list holds registrable domains and a few service subdomains: check each parent.
    return any(".".join(labels[i:]) in _DISPOSABLE_DOMAINS for i in range(len(labels) - 1))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", stripped.casefold()).strip()


@lru_cache(maxsize=4096)  # pure; a moderation page asks the same domains again and again
def resembles_organization(email: str, organization: str) -> bool:
    """The email's registrable domain looks like the organization's name: jane@acme.com for
    "Acme Corp", j@examplehealth.org for "Example Health". Only a hint: anyone can register
    microsoft-careers.net, so this never verifies anything (confirmed domains do)."""
    domain = registrable_domain(email_domain(email))
    if not domain or not organization or is_free_mail(email):
        return False
    # The label the owner chose, letters and digits only: "okafor-labs.example" names "Okafor Labs".
    label = re.sub(r"[^a-z0-9]", "", domain.split(".")[0])
    if len(label) < 3:
        return False
    folded = _fold(organization).split()
    words = [w for w in folded if w not in ORG_STOPWORDS]
    compact = "".join(folded)
    initials = "".join(w[0] for w in folded if w not in {"of", "the", "and", "for"})
    return label in words or label in (compact, initials) or (len(compact) >= 4 and compact in label)


# A run of text that a mail client or a chat app would turn into a link: labels of letters,
# digits and hyphens joined by dots (IDNA dots included), with no space inside.
_HOSTLIKE = re.compile(rf"[\w-]+(?:[{_DOT_CHARACTERS}][\w-]+)+")
# "Dr.Who", "St.John": a title glued to a name is not a domain even when the name is a TLD.
_ABBREVIATIONS = frozenset("dr prof mr mrs ms mx sir st mt ft jr sr gen col capt rev hon".split())


@lru_cache(maxsize=1024)
def _is_domain(token: str) -> bool:
    labels = normalize_domain(token).split(".")
    if any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        return False
    host = ".".join(labels)
    # A suffix the list knows (no unknown top-level domains: "Mary.Ann" is not a host).
    registered = _PSL.privatesuffix(host, accept_unknown=False)
    if not registered:
        return False
    owner_label = registered.split(".")[0]
    if owner_label in _ABBREVIATIONS:
        return False
    if len(owner_label) >= 2:
        return True
    # A one-letter owner is an initial ("J.Ng") unless more of a host name is around it:
    # x.github.io, x.co.uk (a suffix of two labels), www.x.com (a longer label in front).
    in_front = labels[: len(labels) - len(registered.split("."))]
    return registered.count(".") >= 2 or any(len(label) >= 2 for label in in_front)


def looks_like_domain(text: str) -> bool:
    """Some word of `text` is a host name under a real public suffix: "paypal-help.tk",
    "evil.co.uk", "Visit ｅｖｉｌ．ｔｋ". Used to refuse names that carry a link.

    The rule: a token without spaces whose last labels are a suffix on the Public Suffix List,
    with a label of two or more characters before it that is not a title ("Dr.Who"). So
    initials pass ("J.R.R. Tolkien", "A.J. Smith", "Y.Ng": one-letter labels), and so do words
    ending in a dot and a space ("St. John", "Dr. Jane Doe Jr."). The limits: two names joined
    by a dot with no space, the second being a top-level domain ("Ng.Ai", "Jos.De"), are read as
    a domain (the form's message asks for a space after the dot); a one-letter domain alone
    ("x.com") passes, as an initial would; a domain written with spaces or brackets
    ("evil . tk", "evil[.]tk") is not a link and passes.
    """
    text = unicodedata.normalize("NFKC", text)
    if not any(dot in text for dot in _DOT_CHARACTERS):  # no host name without a dot (most names)
        return False
    return any(_is_domain(match.group()) for match in _HOSTLIKE.finditer(text))
