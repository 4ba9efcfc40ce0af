"""The moderation queue at scale (issue 11, item 5): keyset pages, a capped and cached count,
links and times made once per page."""

import re

import pytest

from moderation import selectors, views
from signatures.models import Signature
from tests.factories import ApprovedSignatureFactory, bulk_signatures


@pytest.fixture
def moderator_client(mod_client_factory):
    return mod_client_factory()


def names_on(html: str) -> list[str]:
    return re.findall(r"<strong>(Waiting \d+)</strong>", html)


def next_link(html: str) -> str | None:
    found = re.search(r'href="(\?[^"]*after=[^"]*)">Next', html)
    return found and found.group(1).replace("&amp;", "&")


@pytest.mark.django_db
def test_pages_follow_each_other_without_offsets(moderator_client, letter):
    bulk_signatures(letter, 120, status=Signature.Status.VERIFIED, prefix="Waiting")
    seen, url = [], "/moderation/"
    while url:
        html = moderator_client.get(url if url.startswith("/") else "/moderation/" + url).content.decode()
        seen += names_on(html)
        assert ("First page" in html) == (url != "/moderation/")
        url = next_link(html)
    # oldest confirmation first, then by id: every signature once
    expected = [
        s.name for s in Signature.objects.filter(status=Signature.Status.VERIFIED).order_by("verified_at", "id")
    ]
    assert seen == expected and len(seen) == 120
    # a cursor we did not make: the first page
    first_page = moderator_client.get("/moderation/?after=not-a-cursor").content.decode()
    assert names_on(first_page) == expected[: views.PAGE_SIZE]


@pytest.mark.django_db
def test_newest_first_filters_page_backwards_in_time(moderator_client, letter):
    approved = [ApprovedSignatureFactory(letter=letter, name=f"Waiting {i}") for i in range(views.PAGE_SIZE + 10)]
    first = moderator_client.get("/moderation/?status=approved").content.decode()
    second = moderator_client.get("/moderation/" + next_link(first)).content.decode()
    assert names_on(first) + names_on(second) == [s.name for s in reversed(approved)]


@pytest.mark.django_db
def test_a_long_queue_is_counted_up_to_a_cap(moderator_client, letter, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 30)
    monkeypatch.setattr(views, "COUNT_CAP", 30)
    bulk_signatures(letter, 31, status=Signature.Status.VERIFIED, prefix="Waiting")
    html = moderator_client.get("/moderation/").content.decode()
    assert "More than 30 signatures." in html
    assert "all 30+ matching this filter" in html
    assert "1 signature." in moderator_client.get("/moderation/?q=waiting+7").content.decode()  # exact below the cap


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_however_long_the_queue(moderator_client, letter, django_assert_max_num_queries):
    bulk_signatures(letter, 5, status=Signature.Status.VERIFIED, prefix="Waiting")
    moderator_client.get("/moderation/")
    with django_assert_max_num_queries(12) as few:
        moderator_client.get("/moderation/")
    bulk_signatures(letter, 200, start=5, status=Signature.Status.VERIFIED, prefix="Waiting")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = moderator_client.get("/moderation/").content.decode()
    assert len(names_on(html)) == views.PAGE_SIZE
    assert "205 signatures." in html
    first = Signature.objects.filter(status=Signature.Status.VERIFIED).order_by("verified_at", "id").first()
    assert f'href="/moderation/{first.pk}/"' in html and f'formaction="/moderation/{first.pk}/approve/"' in html
