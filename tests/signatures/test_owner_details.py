"""What is confirmed is what the address's owner submitted (issue 10, item 3), and an inbox
cannot be flooded through the sign form (issue 9, item 5)."""

import re

import pytest
from django.core import mail
from django.test import Client

from signatures.models import Signature

ATTACKER = {"name": "Vic Tim", "title": "Paid spokesperson", "organization": "Evil Corp"}
OWNER = {"name": "Vic Tim", "title": "Professor", "organization": "Real University"}


def sign(client, letter, email="vic@uni.example", **details):
    data = {"email": email, "link": "", **details}
    return client.post(f"/letters/{letter.slug}/sign/", data)


def confirm_path(message) -> str:
    return re.search(r"/confirm/[^/\s]+/", message.body).group(0)


@pytest.fixture(autouse=True)
def _quick(settings):
    # The owner signs again after the cooldown that keeps one address from causing a flood.
    settings.EMAIL_RESEND_COOLDOWN = 0


@pytest.mark.django_db
def test_the_owner_confirms_their_own_details_not_the_first_signers(letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sign(Client(), letter, **ATTACKER).status_code == 303
    with django_capture_on_commit_callbacks(execute=True):
        assert sign(Client(), letter, **OWNER).status_code == 303
    first, second = mail.outbox
    assert "Paid spokesperson" in first.body and "Professor" in second.body
    assert "If it wasn't you, ignore this email" in second.body

    owner = Client()
    # The older link, sent for the attacker's details, now confirms nothing.
    stale = owner.get(confirm_path(first))
    assert stale.status_code == 409 and "out of date" in stale.content.decode()
    assert owner.post(confirm_path(first)).status_code == 409
    assert Signature.objects.get().status == Signature.Status.PENDING

    # The owner's own link shows their details and confirms exactly them.
    page = owner.get(confirm_path(second)).content.decode()
    assert "Professor" in page and "Real University" in page and "Evil Corp" not in page
    assert owner.post(confirm_path(second)).status_code == 303
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.VERIFIED
    assert (signature.title, signature.organization) == ("Professor", "Real University")


@pytest.mark.django_db
def test_details_replaced_after_the_page_was_shown_are_not_confirmed(letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign(Client(), letter, **OWNER)
    link = confirm_path(mail.outbox[0])
    owner = Client()
    assert "Professor" in owner.get(link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sign(Client(), letter, **ATTACKER)  # between the owner's page and their click
    assert owner.post(link).status_code == 409
    assert Signature.objects.get().status == Signature.Status.PENDING


@pytest.mark.django_db
def test_a_confirmed_signature_keeps_its_details(letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign(Client(), letter, **OWNER)
    Client().post(confirm_path(mail.outbox[0]))
    with django_capture_on_commit_callbacks(execute=True):
        sign(Client(), letter, **ATTACKER)
    signature = Signature.objects.get()
    assert signature.title == "Professor" and signature.status == Signature.Status.VERIFIED


@pytest.mark.django_db
def test_address_variants_cannot_flood_one_inbox(letter, settings, django_capture_on_commit_callbacks):
    """victim+1@, victim+2@, "victim"@ ... each made a signature and an email: 12 in seconds."""
    settings.RATELIMIT_ENABLE = False  # the per-address form limit is another guard
    variants = [f"victim+{i}@example.org" for i in range(10)] + ['"victim"@example.org', "victim@example.org"]
    for email in variants:
        with django_capture_on_commit_callbacks(execute=True):
            assert sign(Client(), letter, email=email, name="Vic Tim").status_code == 303
    assert len(mail.outbox) == settings.EMAILS_PER_ADDRESS_PER_DAY == 5
    assert Signature.objects.count() == len(variants)  # kept for moderators, just not mailed


@pytest.mark.django_db
def test_one_network_cannot_mail_without_end(letter, settings, django_capture_on_commit_callbacks):
    settings.RATELIMIT_ENABLE = False
    settings.EMAILS_PER_NETWORK_PER_DAY = 3
    for i in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            sign(Client(REMOTE_ADDR="203.0.113.7"), letter, email=f"person{i}@example.org", name=f"Person {i}")
    with django_capture_on_commit_callbacks(execute=True):
        sign(Client(REMOTE_ADDR="198.51.100.9"), letter, email="elsewhere@example.org", name="Else Where")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "elsewhere@example.org",
        "person0@example.org",
        "person1@example.org",
        "person2@example.org",
    ]
