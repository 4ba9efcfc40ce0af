"""The factories start a test from a state the site itself would have stored."""

import pytest
from django.urls import reverse

from signatures.models import Signature
from tests.factories import ApprovedSignatureFactory, PendingSignatureFactory, WithdrawnSignatureFactory

NAME = "Dr. José  García"
EMAIL = "Jose.Garcia+News@Example.ORG"


@pytest.mark.django_db
def test_a_factory_stores_the_same_name_and_email_forms_as_signing(client, letter):
    client.post(reverse("signatures:sign", args=[letter.slug]), {"name": NAME, "email": EMAIL})
    signed = Signature.objects.get()
    made = PendingSignatureFactory(name=NAME, email=EMAIL)
    fields = ("name_key", "email_normalized", "email_base")
    assert [getattr(made, f) for f in fields] == [getattr(signed, f) for f in fields]
    # Derived, not copied: the key folds the name, the base drops the "+tag".
    assert made.name_key and made.name_key != NAME and made.email_base != made.email_normalized


@pytest.mark.django_db
def test_the_withdrawn_factory_is_the_tombstone_a_withdrawal_leaves():
    from signatures.services.signing import signature_withdraw

    withdrawn, _ = signature_withdraw(public_id=ApprovedSignatureFactory().public_id)
    made = WithdrawnSignatureFactory()
    kept = [
        f.attname
        for f in Signature._meta.concrete_fields
        if isinstance(getattr(withdrawn, f.attname), str | bool | list)
    ]
    kept = [f for f in kept if f != "public_id"]
    assert {f: getattr(made, f) for f in kept} == {f: getattr(withdrawn, f) for f in kept}
    for moment in ("verified_at", "approved_at", "withdrawn_at"):
        assert getattr(made, moment) is not None
