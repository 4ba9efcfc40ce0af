"""Made-up signatories for `make run`, so a newcomer sees every state of the site at once."""

from django.utils import timezone

from letter.models import Letter
from signatures.domains import is_disposable
from signatures.models import Signature
from signatures.services.signing import DISPOSABLE_REASON, signer_fields

from .services.watchlist import watchlist_add

DEMO_DOMAIN = "example.org"
DEMO_PEOPLE = [
    # name, title, organization, status, featured
    ("Ada Example", "Chief Information Security Officer", "Example Health", "approved", True),
    ("Bruno Sample", "Head of Incident Response", "Sample Utilities", "approved", True),
    ("Chiara Placeholder", "Security Researcher", "University of Example", "approved", False),
    ("Dmitri Demo", "Open-source maintainer", "", "approved", False),
    ("Eun-ji Testcase", "Director of Security Engineering", "Testcase Systems", "verified", False),
    ("Femi Fixture", "Penetration Tester", "Fixture & Partners", "verified", False),
    ("Grace Mock", "Professor of Computer Science", "Example Institute of Technology", "verified", False),
    ("Hiro Stub", "Security Analyst", "Stub Bank", "pending", False),
]
# Verified signatures that show the moderator's hints: (name, email, title, organization, link)
HINTED_PEOPLE = [
    ("Ines Domain", "ines@examplebank.com", "CISO", "Example Bank", "https://www.examplebank.com/team/ines"),
    ("femi fixture", "femi.fixture@gmail.com", "Pentester", "Fixture and Partners", ""),
    ("Jo Throwaway", "jo@mailinator.com", "CEO", "Big Famous Company", ""),
    ("Famous Person", "famous@gmail.com", "Chief Executive", "Very Large AI Company", ""),
    # A look-alike with a Cyrillic "а": it reads "Famous Person", and the watchlist catches it.
    ("F\u0430mous Person", "famous.ceo@example.net", "CEO", "Very Large AI Company", ""),
]
WATCHLIST = [("Famous Person", "Well-known executive; check through their office before approving.")]


def _add(letter: Letter, *, name: str, email: str, status: str, **fields) -> Signature:
    now = timezone.now()
    verified = status in (Signature.Status.VERIFIED, Signature.Status.APPROVED)
    return Signature.objects.create(
        letter=letter,
        version=letter.current_version,
        **signer_fields(name=name, email=email),
        status=status,
        verification=Signature.Verification.EMAIL if verified else Signature.Verification.NONE,
        suspicious_reasons=[DISPOSABLE_REASON] if is_disposable(email) else [],
        verified_at=now if verified else None,
        approved_at=now if status == Signature.Status.APPROVED else None,
        **fields,
    )


def seed_demo_signatures(*, letter: Letter) -> int:
    if Signature.objects.filter(letter=letter, email_normalized__endswith="@" + DEMO_DOMAIN).exists():
        return 0
    for name, title, org, status, featured in DEMO_PEOPLE:
        email = name.lower().replace(" ", ".") + "@" + DEMO_DOMAIN
        _add(letter, name=name, email=email, status=status, title=title, organization=org, featured=featured)
    for name, email, title, org, link in HINTED_PEOPLE:
        _add(letter, name=name, email=email, status="verified", title=title, organization=org, link=link)
    for name, note in WATCHLIST:
        watchlist_add(name=name, note=note)
    return len(DEMO_PEOPLE) + len(HINTED_PEOPLE)
