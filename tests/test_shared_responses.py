"""Each worker's one-second memory of shared pages (freefable.cache.SharedResponseMiddleware):
a reader's repeat request gets the very bytes and headers the whole stack made for the first
one, and nobody gets a page that was not made for everyone."""

import json
import time

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client

from freefable import cache as memo
from signatures.selectors.cache import count_key
from signatures.selectors.cache import local as count_memo
from tests.factories import ApprovedSignatureFactory, VerifiedSignatureFactory

# Headers the rest of the stack adds; a kept response must carry them as the first one did.
STACK_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Vary", "Content-Language", "Cache-Control")


def _stack_off(monkeypatch):
    """From here on the session middleware fails: a response that still arrives was kept."""

    def boom(self, request):
        raise AssertionError("the request went through the whole middleware stack")

    monkeypatch.setattr(SessionMiddleware, "process_request", boom)


def _later(monkeypatch, seconds: float):
    real = time.monotonic
    monkeypatch.setattr(memo.time, "monotonic", lambda: real() + seconds)


@pytest.mark.django_db
def test_a_repeat_reader_gets_the_same_bytes_and_headers_without_the_stack(client, letter, monkeypatch):
    ApprovedSignatureFactory(letter=letter, name="Ada Lovelace", featured=True)
    first = client.get(letter.get_absolute_url())
    assert first.status_code == 200 and "Ada Lovelace" in first.content.decode()
    _stack_off(monkeypatch)
    again = Client().get(letter.get_absolute_url())  # another reader, no cookie either
    assert again.status_code == 200 and again.content == first.content
    for header in STACK_HEADERS:
        assert again[header] == first[header], header
    assert "public" in again["Cache-Control"] and "Set-Cookie" not in again


@pytest.mark.django_db
def test_a_change_made_here_shows_at_once(client, letter, mod_client_factory, django_capture_on_commit_callbacks):
    url = f"/letters/{letter.slug}/count.json"
    assert json.loads(client.get(url).content)["count"] == 0
    client.get(letter.get_absolute_url())
    waiting = VerifiedSignatureFactory(letter=letter, name="Brand New")
    with django_capture_on_commit_callbacks(execute=True):
        mod_client_factory().post(f"/moderation/{waiting.pk}/approve/")
    assert json.loads(client.get(url).content)["count"] == 1
    assert "Brand New" in client.get(letter.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_another_workers_change_shows_within_the_ttl(client, letter, monkeypatch):
    """A change made in another process clears that process's memory, not this one's: this
    worker's copy is at most SHARED_RESPONSE_TTL seconds old."""
    url = f"/letters/{letter.slug}/count.json"
    assert json.loads(client.get(url).content)["count"] == 0
    ApprovedSignatureFactory(letter=letter)
    count_memo.clear()  # what the other worker's change reaches here: the shared cache
    from django.core.cache import cache

    cache.delete(count_key(letter.pk))
    assert json.loads(client.get(url).content)["count"] == 0  # still this worker's copy
    _later(monkeypatch, memo.SHARED_RESPONSE_TTL + 0.01)
    assert json.loads(client.get(url).content)["count"] == 1


@pytest.mark.django_db
def test_a_reader_who_asks_for_spanish_gets_spanish_after_an_english_reader(client, letter):
    english = client.get(letter.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    spanish = Client().get(letter.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert english["Content-Language"] == "en" and spanish["Content-Language"] == "es"
    assert "firmas verificadas" in spanish.content.decode()
    again = Client().get(letter.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-GB")
    assert again.content == english.content


@pytest.mark.django_db
def test_cookies_queries_and_conditional_requests_go_through_the_stack(client, letter, mod_client_factory):
    ApprovedSignatureFactory(letter=letter, name="Public Person")
    list_url = f"/letters/{letter.slug}/signatures/"
    client.get(list_url)
    client.get(letter.get_absolute_url())
    moderator = mod_client_factory().get(list_url)  # the session cookie
    assert "/moderation/" in moderator.content.decode() and "private" in moderator["Cache-Control"]
    chooser = Client()
    chooser.cookies["django_language"] = "es"
    chosen = chooser.get(letter.get_absolute_url())
    assert chosen["Content-Language"] == "es" and "private" in chosen["Cache-Control"]
    search = Client().get(list_url, {"q": "nobody-by-this-name"})
    assert "Public Person" not in search.content.decode()
    count_url = f"/letters/{letter.slug}/count.json"
    etag = client.get(count_url)["ETag"]
    assert Client().get(count_url, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.django_db
def test_a_bad_host_or_plain_http_is_answered_as_before(letter, settings):
    settings.SECURE_SSL_REDIRECT = True
    reader = Client()
    assert reader.get(letter.get_absolute_url(), secure=True).status_code == 200
    assert reader.get(letter.get_absolute_url(), secure=True).status_code == 200  # kept
    plain = reader.get(letter.get_absolute_url())
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert reader.get(letter.get_absolute_url(), secure=True, HTTP_HOST="evil.example").status_code == 400


@pytest.mark.django_db
def test_head_and_get_are_kept_apart(client, letter):
    assert client.get(letter.get_absolute_url()).content
    head = client.head(letter.get_absolute_url())
    assert head.status_code == 200 and head.content == b""
    assert client.get(letter.get_absolute_url()).content


def _response(content=b"page", status=200, **headers):
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@pytest.mark.parametrize(
    "response, kept",
    [
        (_response(Cache_Control="public, max-age=0, s-maxage=5, stale-while-revalidate=10"), True),
        (_response(Cache_Control="public, max-age=5", Vary="Accept-Language"), True),
        (_response(Cache_Control="private, no-cache, no-store"), False),
        (_response(Cache_Control="public, no-store, max-age=5"), False),
        (_response(Cache_Control="public, max-age=0"), False),
        (_response(Cache_Control="public"), False),
        (_response(Cache_Control='public, max-age="junk"'), False),
        (_response(), False),  # says nothing: never kept, as at the proxy
        (_response(Cache_Control="public, max-age=5", Vary="Cookie"), False),
        (_response(Cache_Control="public, max-age=5", Vary="*"), False),
        (_response(status=404, Cache_Control="public, max-age=5"), False),
        (_response(status=301, Cache_Control="public, max-age=5"), False),
    ],
)
def test_only_what_a_shared_cache_may_keep_is_kept(response, kept):
    assert memo._may_keep(response) is kept


def test_a_response_that_sets_a_cookie_or_streams_is_not_kept():
    cookie = _response(Cache_Control="public, max-age=5")
    cookie.set_cookie("csrftoken", "x")
    stream = StreamingHttpResponse(iter([b"a"]))
    stream["Cache-Control"] = "public, max-age=5"
    assert not memo._may_keep(cookie) and not memo._may_keep(stream)
