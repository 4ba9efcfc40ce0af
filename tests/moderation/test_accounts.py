"""Moderator accounts under attack: a session without the second factor, a stolen session that
adds an address, a password reset through an unverified address (issue 9, items 1 and 6)."""

import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from signatures.models import Signature
from tests.factories import VerifiedSignatureFactory
from tests.signatures.test_moderation import PASSWORD
from tests.support.totp import totp


@pytest.fixture
def totp_moderator(db):
    call_command("add_moderator", "keyholder@example.org", "--no-email", stdout=io.StringIO())
    user = User.objects.get(email="keyholder@example.org")
    user.set_password(PASSWORD)
    user.save()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return user


def login_with_code(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp(user.totp_secret)}).status_code == 302
    return client


@pytest.mark.django_db
def test_a_session_without_the_second_factor_cannot_moderate(totp_moderator, letter):
    """The account has two-factor, but this session was opened with the password alone (as the
    admin login allowed): the queue asks for a code, and decisions change nothing."""
    signature = VerifiedSignatureFactory(letter=letter)
    client = Client()
    client.force_login(totp_moderator)  # a session that never passed the second factor
    response = client.get("/moderation/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate"))
    client.post(f"/moderation/{signature.pk}/approve/")
    client.post("/moderation/bulk/", {"action": "approve", "ids": [signature.pk]})
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED

    # The code, once, and the same session may moderate.
    response = client.post(response["Location"], {"code": totp(totp_moderator.totp_secret)})
    assert response.status_code == 302
    assert client.get("/moderation/").status_code == 200


@pytest.mark.django_db
def test_the_two_step_login_opens_the_queue(totp_moderator):
    assert login_with_code(totp_moderator).get("/moderation/").status_code == 200


@pytest.fixture
def password_moderator(db, settings):
    """A moderator on a site that does not require two-factor (MODERATORS_REQUIRE_MFA=0)."""
    settings.MODERATORS_REQUIRE_MFA = False
    call_command("add_moderator", "volunteer@example.org", "--no-email", stdout=io.StringIO())
    user = User.objects.get(email="volunteer@example.org")
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return user, client


def age_the_login(client):
    """allauth counts a fresh login as a recent authentication: move it back an hour."""
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= 3600
    session.save()


@pytest.mark.django_db
def test_an_account_with_two_factor_takes_no_new_address(totp_moderator):
    client = login_with_code(totp_moderator)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "attacker@evil.example"})
    assert "cannot add an email address" in response.content.decode()
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()


@pytest.mark.django_db
def test_adding_an_address_asks_for_the_password_again(password_moderator):
    user, client = password_moderator
    age_the_login(client)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "attacker@evil.example"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()


@pytest.mark.django_db
def test_an_added_address_must_be_verified_and_changes_nothing_until_then(password_moderator):
    user, client = password_moderator
    response = client.post(reverse("account_email"), {"action_add": "", "email": "attacker@evil.example"})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    mail.outbox.clear()
    # After the password, allauth carries out the change that was asked for.
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302
    assert not EmailAddress.objects.filter(email="attacker@evil.example", verified=True).exists()
    assert [m.to for m in mail.outbox] == [["attacker@evil.example"]]  # the verification link
    assert EmailAddress.objects.get(user=user, primary=True).email == "volunteer@example.org"
    # ...and the reset form will not use it.
    mail.outbox.clear()
    Client().post(reverse("account_reset_password"), {"email": "attacker@evil.example"})
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_password_reset_through_an_unverified_address(totp_moderator):
    EmailAddress.objects.create(user=totp_moderator, email="attacker@evil.example", verified=False)
    mail.outbox.clear()
    response = Client().post(reverse("account_reset_password"), {"email": "attacker@evil.example"})
    assert response.status_code == 302  # the same answer as for any address
    assert mail.outbox == []

    Client().post(reverse("account_reset_password"), {"email": "keyholder@example.org"})
    assert [m.to for m in mail.outbox] == [["keyholder@example.org"]]


@pytest.mark.django_db
def test_a_password_change_is_told_to_the_account_address(totp_moderator):
    client = login_with_code(totp_moderator)
    mail.outbox.clear()
    new = "another-long-moderator-password"
    response = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["keyholder@example.org"]]
    assert "password" in mail.outbox[0].subject.lower()
