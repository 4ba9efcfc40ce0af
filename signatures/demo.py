"""Made-up signatories for `make run`, so a newcomer sees every state of the site at once."""

from django.utils import timezone

from letter.models import Letter

from .models import Signature
from .services import email_normalize

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
            email=email,
            email_normalized=email_normalize(email),
            title=title,
            organization=org,
            status=status,
            featured=featured,
            verification=Signature.Verification.EMAIL if verified else Signature.Verification.NONE,
            verified_at=now if verified else None,
            approved_at=now.replace(microsecond=i) if status == "approved" else None,
        )
    return len(DEMO_PEOPLE)
