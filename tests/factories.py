"""factory_boy factories: one per state, so a test says which state it starts from."""

import factory
from django.utils import timezone

from letter.models import Letter
from letter.services import letter_save
from signatures.models import Signature


def signer_fields(name: str, email: str) -> dict:
    """The stored forms of a name and an email, made by the project's own function (imported
    here, not at the top, so that moving it means fixing this one line)."""
    from signatures.services.signing import signer_fields

    return signer_fields(name=name, email=email)


def derived(field: str):
    """A factory attribute that stores what signing would store for the factory's name and email."""
    return factory.LazyAttribute(lambda o: signer_fields(o.name, o.email)[field])


class LetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Letter

    slug = factory.Sequence(lambda n: f"letter-{n}")
    title = factory.Sequence(lambda n: f"An open letter number {n}")
    addressees = "The people in charge"
    summary = "We ask for something reasonable."
    body = "We, the undersigned, ask for **something reasonable**.\n\nThank you."
    state = Letter.State.LIVE
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
    name_key = derived("name_key")
    email_normalized = derived("email_normalized")
    email_base = derived("email_base")
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


class WithdrawnSignatureFactory(ApprovedSignatureFactory):
    """A signature withdrawn after publication, as `signature_withdraw` leaves it: a tombstone
    that keeps its status and times, with every personal field erased."""

    status = Signature.Status.WITHDRAWN
    withdrawn_at = factory.LazyFunction(timezone.now)
    name = ""
    email = ""
    title = ""
    organization = ""
    link = ""
    name_key = ""
    email_normalized = ""
    email_base = ""


def bulk_signatures(letter, count, *, status="approved", prefix="Bulk", start=0, **fields):
    """Many signatures in a few queries, for tests at scale."""
    now = timezone.now()
    return Signature.objects.bulk_create(
        [
            Signature(
                letter=letter,
                version=letter.current_version,
                **signer_fields(f"{prefix} {i}", f"{prefix.lower()}{i}@example.org"),
                status=status,
                verified_at=now,
                approved_at=now if status == "approved" else None,
                **fields,
            )
            for i in range(start, start + count)
        ],
        batch_size=2000,
    )
