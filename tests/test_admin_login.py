"""The Django admin is reached only through allauth's login, second factor included."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.test import Client

from tests.support.totp import totp

PASSWORD = "correct horse battery staple"
EMAIL = "staff.mod@example.org"


@pytest.fixture
def secret(db):
    """A staff moderator with TOTP set up; returns the TOTP secret their phone holds."""
    user = get_user_model().objects.create_user(EMAIL, EMAIL, PASSWORD, is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_an_anonymous_visit_to_the_admin_login_goes_to_allauths_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith("/accounts/login/")


def test_the_admin_login_form_does_not_take_a_password_alone(client, secret):
    response = client.post("/admin/login/", {"username": EMAIL, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not logged_in(client)
    assert client.get("/admin/").status_code == 302


def test_the_admin_opens_after_the_password_and_a_real_totp_code(client, secret):
    response = client.post("/accounts/login/?next=/admin/", {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not logged_in(client)  # the password alone opens nothing
    assert client.get("/admin/").status_code == 302

    response = client.post("/accounts/2fa/authenticate/", {"code": totp(secret)})
    assert response.status_code == 302
    assert logged_in(client)
    assert response["Location"] == "/admin/"
    assert "Site administration" in client.get("/admin/").content.decode()


def test_a_logged_in_person_who_is_not_staff_is_refused(db):
    user = get_user_model().objects.create_user("helper@example.org", "helper@example.org", PASSWORD)
    client = Client()
    client.force_login(user)
    assert client.get("/admin/login/").status_code == 403
