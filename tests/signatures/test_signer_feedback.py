"""What a signer is told after pressing "Sign the letter": the address the link went to (to this
browser only), when a new link can be asked for, and the form's own message for a missing email
however many people forgot theirs."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import LetterFactory

VALID = {"name": "Jane Doe", "email": "Jane.Doe@Example.org", "title": "", "organization": "", "link": ""}


def sign(client, letter, **overrides):
    return client.post(reverse("signatures:sign", args=[letter.slug]), {**VALID, **overrides})


@pytest.mark.django_db
def test_check_your_email_shows_the_address_to_the_browser_that_signed_only(client, letter, settings):
    settings.EMAIL_RESEND_COOLDOWN = 60
    response = sign(client, letter)
    assert response.status_code == 303
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Jane.Doe@Example.org" in html
    assert re.search(r"From \d\d:\d\d:\d\d UTC,\s+you can get a new link", html)
    # Never stored by a shared cache, and the cookie goes back to this page alone.
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    cookie = response.cookies["signed_with"]
    assert cookie["path"] == reverse("signatures:check_email", args=[letter.slug])
    assert cookie["httponly"]
    # Another browser, and the letter page, show no address.
    other = Client().get(response["Location"]).content.decode()
    assert "Jane.Doe@Example.org" not in other and "the address you gave" in other
    assert "Jane.Doe@Example.org" not in client.get(letter.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_forged_address_cookie_is_ignored(client, letter):
    client.cookies["signed_with"] = '{"email": "someone@else.example", "at": 0}'
    html = client.get(reverse("signatures:check_email", args=[letter.slug])).content.decode()
    assert "someone@else.example" not in html and "the address you gave" in html


@pytest.mark.django_db
def test_forgetting_the_email_always_gets_the_forms_message_not_too_many_attempts(settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "sign_email": "5/h", "sign_ip": "1000/h"}
    letter = LetterFactory()
    for attempt in range(8):  # more than the per-address limit, as many people on one page would
        response = sign(Client(), letter, email="")
        assert response.status_code == 400, attempt
        assert "Please enter your email address" in response.content.decode()
        assert (
            Client()
            .post(reverse("signatures:sign", args=[letter.slug]), {**VALID, "email": "not-an-address"})
            .status_code
            == 400
        )
    # A real address is still limited per address.
    codes = [sign(Client(), letter, email="same@example.org").status_code for _ in range(6)]
    assert codes[:5] == [303] * 5 and codes[5] == 429
