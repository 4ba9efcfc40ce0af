"""The site behind the real nginx of deploy/nginx.conf: each visitor is counted as themselves."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from tests.support.browser import Browser
from tests.support.proxy import ProxyClient

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

EMAIL = "mod@example.org"
PASSWORD = "correct horse battery staple"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture
def behind_the_proxy(settings):
    """What docker-compose.yml sets: one trusted proxy, for the site's limits and allauth's."""
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_each_visitor_through_the_proxy_has_a_limit_of_their_own(nginx_proxy, behind_the_proxy, settings, letter):
    settings.RATELIMITS = {**settings.RATELIMITS, "search_ip": "2/h"}
    searches = iter(range(100))  # a new query each time: nothing comes from the proxy's cache

    def search(client):
        return client.request(f"{nginx_proxy.url}/letters/{letter.slug}/signatures/?q=x{next(searches)}")[0]

    alice = ProxyClient(address="127.0.0.2")
    assert [search(alice) for _ in range(3)] == [200, 200, 429]
    # Alice cannot pass for someone else by writing her own X-Forwarded-For: nginx replaces it.
    assert search(ProxyClient(address="127.0.0.2", headers={"X-Forwarded-For": "203.0.113.9"})) == 429
    # A garbage header changes nothing either.
    assert search(ProxyClient(address="127.0.0.2", headers={"X-Forwarded-For": "garbage"})) == 429
    # Bob, at another address, is not held back by Alice (the app's own peer is nginx, 127.0.0.1, for both).
    assert search(ProxyClient(address="127.0.0.3")) == 200


def log_in(url, client, password):
    status, _, page = client.request(url + "/accounts/login/")
    assert status == 200
    form = {"csrfmiddlewaretoken": Browser.csrf(page), "login": EMAIL, "password": password}
    status, _, page = client.request(url + "/accounts/login/", form)
    return status == 302, page


def test_login_failures_through_the_proxy_lock_out_only_the_guessing_visitor(nginx_proxy, behind_the_proxy):
    user = get_user_model().objects.create_user(EMAIL, EMAIL, PASSWORD)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    attacker = ProxyClient(address="127.0.0.2")
    for _ in range(5):
        ok, page = log_in(nginx_proxy.url, attacker, "wrong password")
        assert not ok and TOO_MANY not in page
    ok, _ = log_in(nginx_proxy.url, ProxyClient(address="127.0.0.3"), PASSWORD)
    assert ok, "the moderator, at another address, must still get in"
    ok, page = log_in(nginx_proxy.url, attacker, PASSWORD)
    assert not ok and TOO_MANY in page


def test_a_host_header_with_another_port_cannot_change_the_page_the_proxy_serves_others(nginx_proxy, letter):
    """The letter page writes its own address (share link, og:url) from the Host header, port
    included. A request naming another port must not leave that page in the cache for others."""
    import http.client
    from urllib.parse import urlsplit

    proxy = urlsplit(nginx_proxy.url)
    path = letter.get_absolute_url()
    forged = http.client.HTTPConnection(proxy.hostname, proxy.port, timeout=10)
    forged.request("GET", path, headers={"Host": "127.0.0.1:6666", "Accept-Language": "en"})
    answer = forged.getresponse()
    assert answer.status == 200 and "127.0.0.1:6666" in answer.read().decode()
    forged.close()
    for _ in range(2):  # a miss then a hit, or two hits: never the forged port
        status, headers, html = ProxyClient(address="127.0.0.3", headers={"Accept-Language": "en"}).request(
            nginx_proxy.url + path
        )
        assert status == 200 and ":6666" not in html
        assert f"{proxy.hostname}:{proxy.port}{path}" in html
    assert headers["X-Cache-Status"] == "HIT"
