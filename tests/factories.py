"""factory_boy factories: one per state, so a test says which state it starts from."""

import factory
from django.utils import timezone

from letter.models import Letter
from letter.services import letter_save
from signatures.models import Signature
from signatures.services import email_base


class LetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Letter

    slug = factory.Sequence(lambda n: f"letter-{n}")
    title = factory.Sequence(lambda n: f"An open letter number {n}")
    addressees = "The people in charge"
    summary = "We ask for something reasonable."
    body = "We, the undersigned, ask for **something reasonable**.\n\nThank you."
    published = True
    is_primary = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        letter, _ = letter_save(letter=model_class(*args, **kwargs))
        return letter


class PendingSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signature

    letter = factory.SubFactory(LetterFactory)
    version = factory.LazyAttribute(lambda o: o.letter.current_version)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"signer{n}@example.com")
    email_normalized = factory.LazyAttribute(lambda o: o.email.lower())
    email_base = factory.LazyAttribute(lambda o: email_base(o.email_normalized))
    title = factory.Faker("job")
    organization = factory.Faker("company")
    status = Signature.Status.PENDING


class VerifiedSignatureFactory(PendingSignatureFactory):
    status = Signature.Status.VERIFIED
    verification = Signature.Verification.EMAIL
    verified_at = factory.LazyFunction(timezone.now)


class ApprovedSignatureFactory(VerifiedSignatureFactory):
    status = Signature.Status.APPROVED
    approved_at = factory.LazyFunction(timezone.now)


class RejectedSignatureFactory(VerifiedSignatureFactory):
    status = Signature.Status.REJECTED
    rejected_at = factory.LazyFunction(timezone.now)


def bulk_signatures(letter, count, *, status="approved", prefix="Bulk", start=0, **fields):
    """Many signatures in a few queries, for tests at scale."""
    from django.utils import timezone

    now = timezone.now()
    return Signature.objects.bulk_create(
        [
            Signature(
                letter=letter,
                version=letter.current_version,
                name=f"{prefix} {i}",
                name_key=f"{prefix.lower()} {i}",
                email=f"{prefix.lower()}{i}@example.org",
                email_normalized=f"{prefix.lower()}{i}@example.org",
                email_base=f"{prefix.lower()}{i}@example.org",
                status=status,
                verified_at=now,
                approved_at=now if status == "approved" else None,
                **fields,
            )
            for i in range(start, start + count)
        ],
        batch_size=2000,
    )
