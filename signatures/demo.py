"""Made-up signatories for `make run`, so a newcomer sees every state of the site at once."""

from django.utils import timezone

from letter.models import Letter

from .hints import name_key
from .models import Signature, WatchlistEntry
from .services import email_base, email_normalize

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
]
WATCHLIST = [("Famous Person", "Well-known executive; check through their office before approving.")]


def seed_demo_signatures(*, letter: Letter) -> int:
    if Signature.objects.filter(letter=letter, email_normalized__endswith="@" + DEMO_DOMAIN).exists():
        return 0
    now = timezone.now()
    for i, (name, title, org, status, featured) in enumerate(DEMO_PEOPLE):
        email = name.lower().replace(" ", ".") + "@" + DEMO_DOMAIN
        verified = status in ("approved", "verified")
        Signature.objects.create(
            letter=letter,
            version=letter.current_version,
            name=name,
            name_key=name_key(name),
            email=email,
            email_normalized=email_normalize(email),
            email_base=email_base(email_normalize(email)),
            title=title,
            organization=org,
            status=status,
            featured=featured,
            verification=Signature.Verification.EMAIL if verified else Signature.Verification.NONE,
            verified_at=now if verified else None,
            approved_at=now.replace(microsecond=i) if status == "approved" else None,
        )
    for name, email, title, org, link in HINTED_PEOPLE:
        Signature.objects.create(
            letter=letter,
            version=letter.current_version,
            name=name,
            name_key=name_key(name),
            email=email,
            email_normalized=email_normalize(email),
            email_base=email_base(email_normalize(email)),
            title=title,
            organization=org,
            link=link,
            status=Signature.Status.VERIFIED,
            verification=Signature.Verification.EMAIL,
            verified_at=now,
        )
    for name, note in WATCHLIST:
        WatchlistEntry.objects.get_or_create(name_key=name_key(name), defaults={"name": name, "note": note})
    return len(DEMO_PEOPLE) + len(HINTED_PEOPLE)
