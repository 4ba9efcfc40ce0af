"""Pure functions over names and email domains, shared by signing (name keys, the domain
level) and moderation (hints). No database access here."""

import re
import unicodedata
from urllib.parse import urlsplit

# Mailbox providers anyone can sign up to: an address there says nothing about affiliation.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk live.com msn.com yahoo.com yahoo.co.uk
    yahoo.fr ymail.com icloud.com me.com mac.com aol.com proton.me protonmail.com pm.me gmx.com gmx.de gmx.net
    web.de mail.com zoho.com yandex.com yandex.ru mail.ru inbox.ru qq.com 163.com 126.com sina.com naver.com
    hanmail.net fastmail.com fastmail.fm tutanota.com tuta.io hey.com orange.fr free.fr laposte.net libero.it
    t-online.de btinternet.com comcast.net verizon.net att.net sbcglobal.net rediffmail.com
    """.split()
)

# Throwaway inboxes: nobody with a lasting identity signs from these.
DISPOSABLE_DOMAINS = frozenset(
    """
    mailinator.com guerrillamail.com guerrillamail.net sharklasers.com grr.la 10minutemail.com 10minutemail.net
    temp-mail.org tempmail.com tempmail.net tempmailo.com throwawaymail.com yopmail.com yopmail.fr trashmail.com
    trashmail.de getnada.com nada.email dispostable.com maildrop.cc mailnesia.com mintemail.com mohmal.com
    emailondeck.com fakeinbox.com spamgourmet.com mytemp.email tempinbox.com burnermail.io mailcatch.com
    discard.email getairmail.com moakt.com tempr.email 33mail.com spambox.us inboxkitten.com
    """.split()
)

# Second-level suffixes under which the registrable domain has three labels (a short list;
# enough for the common cases, no public-suffix download).
TWO_LABEL_SUFFIXES = frozenset(
    "co.uk ac.uk gov.uk org.uk ltd.uk com.au edu.au gov.au org.au co.nz ac.nz co.jp ac.jp or.jp co.kr ac.kr "
    "com.br gov.br com.cn edu.cn gov.cn com.mx co.in ac.in gov.in co.za ac.za com.sg edu.sg co.il ac.il".split()
)

HONORIFICS = frozenset("dr prof professor mr mrs ms mx sir dame phd md jr sr".split())
# Words too common in organization names to say anything about a domain.
ORG_STOPWORDS = frozenset(
    "the of and for inc llc ltd gmbh corp corporation company co group university college institute school "
    "foundation association society center centre labs lab security systems technologies technology global".split()
)


def fold(text: str) -> str:
    """Lower-case ASCII-ish letters and digits: accents dropped, punctuation to spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", stripped.casefold()).strip()


def name_key(name: str) -> str:
    """A key equal for names that differ only in case, accents, punctuation, honorifics or word
    order: "Dr. José  García" and "garcia, jose" share one."""
    words = [w for w in fold(name).split() if w not in HONORIFICS]
    return " ".join(sorted(words))[:100]


def registrable_domain(host: str) -> str:
    labels = host.lower().strip(".").split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in TWO_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def link_domain(link: str) -> str:
    try:
        return (urlsplit(link).hostname or "").lower()
    except ValueError:
        return ""


def domain_matches_link(email: str, link: str) -> bool:
    """The email and the link are on the same registrable domain (jane@cs.example.edu and
    https://www.example.edu/~jane)."""
    host = link_domain(link)
    domain = email_domain(email)
    return bool(host and domain) and registrable_domain(host) == registrable_domain(domain)


def domain_matches_organization(email: str, organization: str) -> bool:
    """The email's domain names the organization: jane@acme.com for "Acme Corp", or
    j@examplehealth.org for "Example Health"."""
    domain = email_domain(email)
    if not domain or not organization or domain in FREE_MAIL_DOMAINS:
        return False
    # Letters and digits only: "okafor-labs.example" names "Okafor Labs", "rolls-royce.com" "Rolls-Royce".
    label = re.sub(r"[^a-z0-9]", "", registrable_domain(domain).split(".")[0])
    if len(label) < 3:
        return False
    words = [w for w in fold(organization).split() if w not in ORG_STOPWORDS]
    compact = "".join(fold(organization).split())
    initials = "".join(w[0] for w in fold(organization).split() if w not in {"of", "the", "and", "for"})
    return label in words or label in (compact, initials) or (len(compact) >= 4 and compact in label)


def is_free_mail(email: str) -> bool:
    return email_domain(email) in FREE_MAIL_DOMAINS


def is_disposable(email: str) -> bool:
    domain = email_domain(email)
    return domain in DISPOSABLE_DOMAINS or registrable_domain(domain) in DISPOSABLE_DOMAINS


def affiliation_verified(email: str, organization: str, link: str) -> bool:
    """Strong evidence of real affiliation: the email is at the organization's (or the link's) domain."""
    return domain_matches_organization(email, organization) or (
        bool(link) and not is_free_mail(email) and domain_matches_link(email, link)
    )
