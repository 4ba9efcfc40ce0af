"""Which client a request comes from, behind the proxy or not: rate limits and login lock-outs
count each client on its own, and a forged or broken X-Forwarded-For changes nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

ROOT = Path(__file__).resolve().parent.parent


PROXY = "10.0.0.2"  # the address every request behind the proxy comes from
FORM = {"name": "Real Person", "title": "Engineer", "organization": "Org"}
PASSWORD = "correct horse battery staple"
TOO_MANY = "Too many failed login attempts"

BAD_HEADERS = ["garbage", "203.0.113.5, garbage", "999.1.1.1", " , ", "<script>", "203.0.113.5:443", "%00"]


@pytest.fixture
def behind_one_proxy(settings):
    """Production's setting for docker-compose.yml, for the site's limits and for allauth's."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def limited(settings, name, rate):
    settings.RATELIMITS = {**settings.RATELIMITS, name: rate}


def sign(client, letter, n, **meta):
    return client.post(f"/letters/{letter.slug}/sign/", {**FORM, "email": f"p{n}@example.org"}, **meta)


def search(client, letter, n, **meta):
    return client.get(f"/letters/{letter.slug}/signatures/", {"q": f"x{n}"}, **meta)


# --- X-Forwarded-For that our proxy did not write ---------------------------------------------


@pytest.mark.parametrize("header", BAD_HEADERS)
@pytest.mark.django_db
def test_a_broken_forwarded_header_counts_as_no_header_when_signing(client, letter, settings, behind_one_proxy, header):
    limited(settings, "sign_ip", "2/h")
    codes = [
        sign(client, letter, i, REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=header).status_code for i in (1, 2)
    ]
    assert codes == [303, 303]  # never a server error
    # Both were counted against the connecting address: its next request is over the limit.
    assert sign(client, letter, 3, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert sign(client, letter, 4, REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR=header).status_code == 303


@pytest.mark.parametrize("header", BAD_HEADERS)
@pytest.mark.django_db
def test_a_broken_forwarded_header_counts_as_no_header_when_searching(
    client, letter, settings, behind_one_proxy, header
):
    limited(settings, "search_ip", "2/h")
    codes = [
        search(client, letter, i, REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=header).status_code for i in (1, 2)
    ]
    assert codes == [200, 200]
    assert search(client, letter, 3, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert search(client, letter, 4, REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR=header).status_code == 200


@pytest.mark.django_db
def test_behind_the_proxy_each_forwarded_client_has_its_own_limit(client, letter, settings, behind_one_proxy):
    limited(settings, "search_ip", "2/h")
    alice = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    bob = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.20"}
    assert [search(client, letter, i, **alice).status_code for i in range(3)] == [200, 200, 429]
    assert search(client, letter, 9, **bob).status_code == 200
    # An address a client puts in front of the proxy's entry is not believed.
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.99, 203.0.113.10"}
    assert search(client, letter, 10, **forged).status_code == 429


# --- Moderator login: lock-outs per client ----------------------------------------------------


@pytest.fixture
def moderator(db):
    user = get_user_model().objects.create_user("mod@example.org", "mod@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(client, password, **meta):
    """POST allauth's login form; True when the client is now logged in."""
    response = client.post("/accounts/login/", {"login": "mod@example.org", "password": password}, **meta)
    assert response.status_code in (200, 302), response.status_code
    return "_auth_user_id" in client.session, response


def client_at(address, *, proxied):
    from django.test import Client

    if proxied:
        return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)
    return Client(REMOTE_ADDR=address)


@pytest.mark.parametrize("proxied", [False, True], ids=["direct", "behind-the-proxy"])
def test_wrong_passwords_lock_out_the_guessing_client_not_the_moderator(moderator, settings, proxied):
    if proxied:
        settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker = client_at("203.0.113.66", proxied=proxied)
    for _ in range(5):
        ok, response = log_in(attacker, "wrong password")
        assert not ok
        assert TOO_MANY not in response.content.decode()
    # The moderator, elsewhere, still logs in with the right password...
    ok, _ = log_in(client_at("198.51.100.7", proxied=proxied), PASSWORD)
    assert ok
    # ...while the guessing client is refused, even with the right password.
    ok, response = log_in(attacker, PASSWORD)
    assert not ok
    assert TOO_MANY in response.content.decode()


def test_many_addresses_together_hit_the_per_account_ceiling(moderator, settings):
    """Distributed guessing: one address cannot reach the ceiling, many together do."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,8/h/key"}  # the real ceiling is 100
    for i in range(8):
        ok, _ = log_in(client_at(f"203.0.113.{i + 1}", proxied=False), "wrong password")
        assert not ok
    ok, response = log_in(client_at("198.51.100.7", proxied=False), PASSWORD)
    assert not ok
    assert TOO_MANY in response.content.decode()


def test_allauth_reads_the_client_address_as_the_site_does():
    """ALLAUTH_TRUSTED_PROXY_COUNT follows TRUSTED_PROXY_COUNT (a setting of its own in allauth)."""
    code = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**os.environ, "TRUSTED_PROXY_COUNT": "2"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["2", "2"], result.stderr


# --- Password reset ---------------------------------------------------------------------------


def test_password_reset_mails_nothing_to_an_unknown_address(client, moderator, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "stranger@example.net"})
    assert response.status_code == 302  # the same answer as for a known address
    assert mailoutbox == []
    client.post("/accounts/password/reset/", {"email": "mod@example.org"})
    assert [m.to for m in mailoutbox] == [["mod@example.org"]]


@pytest.mark.parametrize("header", [*BAD_HEADERS, ""])
@pytest.mark.django_db
def test_a_broken_forwarded_header_does_not_break_the_login(client, behind_one_proxy, header):
    """allauth reads the client address through our adapter, the same way as every other limit."""
    response = client.post(
        "/accounts/login/",
        {"login": "nobody@example.org", "password": "wrong"},
        REMOTE_ADDR="198.51.100.1",
        HTTP_X_FORWARDED_FOR=header,
    )
    assert response.status_code == 200 and "password" in response.content.decode().lower()
