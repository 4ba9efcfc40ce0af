"""Confirm and withdraw links: GET asks, POST acts; unknown, forged, expired and used links."""

import re
import time

import pytest
from django.core import signing
from django.urls import reverse

from signatures.models import Signature
from signatures.tokens import make_confirm_token, make_withdraw_token
from tests.factories import ApprovedSignatureFactory, PendingSignatureFactory, VerifiedSignatureFactory


def confirm_url(signature):
    return reverse("signatures:confirm", args=[make_confirm_token(signature.public_id)])


def withdraw_url(signature):
    return reverse("signatures:withdraw", args=[make_withdraw_token(signature.public_id)])


@pytest.fixture
def old_tokens(monkeypatch):
    """Tokens made from now on carry a time eight days ago."""
    eight_days_ago = int(time.time()) - 8 * 86400
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(eight_days_ago))


@pytest.mark.django_db
def test_get_asks_and_does_not_confirm(client):
    signature = PendingSignatureFactory(name="Ada Lovelace")
    response = client.get(confirm_url(signature))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm my signature" in html and "Ada Lovelace" in html
    signature.refresh_from_db()
    assert signature.status == Signature.Status.PENDING


@pytest.mark.django_db
def test_post_confirms_once(client):
    signature = PendingSignatureFactory()
    url = confirm_url(signature)
    response = client.post(url)
    assert response.status_code == 303
    assert response["Location"] == reverse("signatures:confirmed", args=[signature.letter.slug])
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED
    assert signature.verified_at is not None
    assert signature.verification == Signature.Verification.EMAIL

    # A second click, or the link used again: nothing changes, and the page says why.
    first_verified_at = signature.verified_at
    for method in (client.get, client.post):
        again = method(url)
        assert again.status_code == 410
        assert "already been used" in again.content.decode()
    signature.refresh_from_db()
    assert signature.verified_at == first_verified_at


@pytest.mark.django_db
def test_confirm_link_of_an_approved_signature_cannot_change_it(client):
    signature = ApprovedSignatureFactory()
    assert client.post(confirm_url(signature)).status_code == 410
    signature.refresh_from_db()
    assert signature.status == Signature.Status.APPROVED


@pytest.mark.parametrize(
    "token",
    ["nonsense", "abc.def.ghi", "x" * 500, "AAAAAAAAAAAA.1xVB3n.QtXr87cg4S_Bj4TthsQrCEXdU1icxn5ggd0czhIX1Cc"],
)
@pytest.mark.django_db
def test_unknown_or_forged_confirm_token_is_404(client, token):
    assert client.get(f"/confirm/{token}/").status_code == 404
    assert client.post(f"/confirm/{token}/").status_code == 404


@pytest.mark.django_db
def test_tampered_token_is_404(client):
    signature = PendingSignatureFactory()
    other = PendingSignatureFactory()
    token = make_confirm_token(signature.public_id)
    forged = other.public_id + token[len(signature.public_id) :]
    assert client.post(f"/confirm/{forged}/").status_code == 404
    other.refresh_from_db()
    assert other.status == Signature.Status.PENDING


@pytest.mark.django_db
def test_token_for_a_deleted_signature_is_404(client):
    signature = PendingSignatureFactory()
    url = confirm_url(signature)
    signature.delete()
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_withdraw_token_does_not_confirm(client):
    signature = PendingSignatureFactory()
    token = make_withdraw_token(signature.public_id)
    assert client.post(f"/confirm/{token}/").status_code == 404
    signature.refresh_from_db()
    assert signature.status == Signature.Status.PENDING


@pytest.mark.django_db
def test_expired_link_is_410_and_offers_a_new_one(client, old_tokens, mailoutbox, django_capture_on_commit_callbacks):
    signature = PendingSignatureFactory()
    url = confirm_url(signature)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 410
        assert "has expired" in response.content.decode()
    signature.refresh_from_db()
    assert signature.status == Signature.Status.PENDING

    resend = re.search(r'action="([^"]+new-link/)"', response.content.decode()).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend)
    assert response.status_code == 303
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [signature.email]
    assert "/confirm/" in mailoutbox[0].body


@pytest.mark.django_db
def test_a_fresh_link_from_the_new_email_works(client, mailoutbox, django_capture_on_commit_callbacks):
    signature = PendingSignatureFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signatures:confirm_resend", args=[make_confirm_token(signature.public_id)]))
    link = re.search(r"http://testserver(/confirm/[^/\s]+/)", mailoutbox[0].body).group(1)
    assert client.post(link).status_code == 303
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED


@pytest.mark.django_db
def test_withdraw_get_asks_post_erases(client):
    signature = VerifiedSignatureFactory(name="Grace Hopper", email="grace@navy.example", link="https://navy.example/g")
    url = withdraw_url(signature)
    response = client.get(url)
    assert response.status_code == 200
    assert "Withdraw my signature" in response.content.decode()
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED

    response = client.post(url)
    assert response.status_code == 303
    assert response["Location"] == reverse("signatures:withdrawn", args=[signature.letter.slug])
    signature.refresh_from_db()
    assert signature.status == Signature.Status.WITHDRAWN
    assert signature.withdrawn_at is not None
    for field in ("name", "email", "email_normalized", "title", "organization", "link", "network_hash"):
        assert getattr(signature, field) == "", field
    # The tombstone keeps what counts and audit need.
    assert signature.letter_id and signature.version_id and signature.created_at and signature.verified_at

    again = client.post(url)
    assert again.status_code == 410
    assert "withdrawn" in again.content.decode()


@pytest.mark.django_db
def test_withdrawn_signature_leaves_the_public_count_and_can_sign_again(client, django_capture_on_commit_callbacks):
    signature = ApprovedSignatureFactory(name="Visible Person", email="v@example.org")
    letter = signature.letter
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "Visible Person" in page and "1</strong> verified signature" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(withdraw_url(signature))
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "Visible Person" not in page and "0</strong> verified signatures" in page

    response = client.post(
        reverse("signatures:sign", args=[letter.slug]), {"name": "Visible Person", "email": "v@example.org"}
    )
    assert response.status_code == 303
    assert Signature.objects.filter(letter=letter).count() == 2


@pytest.mark.django_db
def test_withdraw_link_works_after_the_confirm_link_expired(client, old_tokens):
    signature = ApprovedSignatureFactory()
    assert client.post(withdraw_url(signature)).status_code == 303


@pytest.mark.django_db
def test_unknown_withdraw_token_is_404(client):
    assert client.get("/withdraw/nothing.here/").status_code == 404
    signature = PendingSignatureFactory()
    assert client.post(f"/withdraw/{make_confirm_token(signature.public_id)}/").status_code == 404
