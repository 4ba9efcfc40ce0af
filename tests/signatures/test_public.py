"""The public list and the press kit, as a reader, a journalist or a widget sees them."""

import csv
import io
import json
import re
import tracemalloc
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from signatures.models import Signature
from signatures.services import signing
from signatures.services.log import log_sync
from tests.factories import (
    ApprovedSignatureFactory,
    PendingSignatureFactory,
    VerifiedSignatureFactory,
    bulk_signatures,
)

SECRET = "@hidden-domain.example"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def seeded(letter):
    """Signers in every state, each with a known email that must never be shown."""
    people = {
        "approved": ApprovedSignatureFactory(letter=letter, name="Alice Approved", email="alice" + SECRET),
        "featured": ApprovedSignatureFactory(
            letter=letter, name="Fiona Featured", email="fiona" + SECRET, featured=True, verification="moderator"
        ),
        "formula": ApprovedSignatureFactory(
            letter=letter, name="=cmd|' /C calc'!A0", title="+SUM(A1)", organization="-2+3", link="", email="f" + SECRET
        ),
        "accents": ApprovedSignatureFactory(letter=letter, name="Zoë Ångström-Núñez", email="zoe" + SECRET),
        "verified": VerifiedSignatureFactory(letter=letter, name="Victor Verified", email="victor" + SECRET),
        "pending": PendingSignatureFactory(letter=letter, name="Paula Pending", email="paula" + SECRET),
    }
    return letter, people


@pytest.mark.django_db
def test_no_email_in_any_public_page_or_download(client, seeded):
    letter, people = seeded
    urls = [
        letter.get_absolute_url(),
        f"/letters/{letter.slug}/signatures/",
        f"/letters/{letter.slug}/signatures/?q=alice",
        f"/letters/{letter.slug}/signatures.csv",
        f"/letters/{letter.slug}/signatures.json",
        f"/letters/{letter.slug}/count.json",
        f"/letters/{letter.slug}/press/",
        f"/letters/{letter.slug}/feed.atom",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response).decode("utf-8")
        assert "hidden-domain" not in text, url
        assert "Paula Pending" not in text and "Victor Verified" not in text, url


@pytest.mark.django_db
def test_csv_is_excel_friendly_escaped_and_named(client, seeded):
    letter, people = seeded
    response = client.get(f"/letters/{letter.slug}/signatures.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.now().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="{letter.slug}-signatures-{today}.csv"'
    raw = body(response)
    assert raw.startswith("\ufeff".encode())  # BOM: Excel reads the accents right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    for column in ("name", "title", "organization", "link", "signed_at", "id", "verification", "letter_version"):
        assert column in header
    by_name = {row[header.index("name")]: row for row in rows[1:]}
    assert len(by_name) == 4
    assert "Zoë Ångström-Núñez" in by_name
    formula = by_name["'=cmd|' /C calc'!A0"]
    assert formula[header.index("title")] == "'+SUM(A1)"
    assert formula[header.index("organization")] == "'-2+3"
    row = by_name["Alice Approved"]
    assert row[header.index("id")] == people["approved"].public_id
    assert row[header.index("letter_version")] == "1"
    assert row[header.index("signed_at")].endswith("Z")
    assert response["X-Data-As-Of"].endswith("Z")


@pytest.mark.django_db
def test_unchanged_downloads_answer_304_and_change_after_an_approval(
    client, seeded, mod_client_factory, django_capture_on_commit_callbacks
):
    letter, people = seeded
    for url in (f"/letters/{letter.slug}/signatures.csv", f"/letters/{letter.slug}/signatures.json"):
        first = client.get(url)
        etag, modified = first["ETag"], first["Last-Modified"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304

    mod = mod_client_factory()
    with django_capture_on_commit_callbacks(execute=True):
        mod.post(f"/moderation/{people['verified'].pk}/approve/")
    url = f"/letters/{letter.slug}/signatures.csv"
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Victor Verified" in body(response).decode("utf-8-sig")


@pytest.mark.django_db
def test_count_json_is_cheap_conditional_and_exact(
    client, seeded, django_assert_max_num_queries, mod_client_factory, django_capture_on_commit_callbacks
):
    letter, people = seeded
    url = f"/letters/{letter.slug}/count.json"
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"count", "as_of"} and response.json()["count"] == 4
    assert response.json()["as_of"].endswith("Z")
    with django_assert_max_num_queries(1):  # the letter; the count comes from the cache
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        mod_client_factory().post(f"/moderation/{people['verified'].pk}/approve/")
    assert client.get(url).json()["count"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        signing.signature_withdraw(public_id=people["approved"].public_id)
    assert client.get(url).json()["count"] == 4


@pytest.mark.django_db
def test_json_matches_the_contract_and_paginates(client, letter):
    for i in range(7):
        ApprovedSignatureFactory(letter=letter, name=f"Person {i}", approved_at=timezone.now() + timedelta(seconds=i))
    data = client.get(f"/letters/{letter.slug}/signatures.json?limit=3").json()
    assert data["count"] == 7
    assert set(data["results"][0]) >= {"name", "title", "organization", "link", "signed_at", "id", "verification"}
    names = [r["name"] for r in data["results"]]
    while data["next"]:
        data = client.get(data["next"]).json()
        names += [r["name"] for r in data["results"]]
    assert names == [f"Person {i}" for i in range(7)]


@pytest.mark.django_db
def test_search_by_name_title_and_organization_and_filter_by_level(client, letter):
    ApprovedSignatureFactory(letter=letter, name="Marie Curie", title="Physicist", organization="Sorbonne")
    ApprovedSignatureFactory(
        letter=letter, name="Alan Turing", title="Cryptanalyst", organization="Bletchley Park", verification="domain"
    )
    ApprovedSignatureFactory(
        letter=letter, name="Ada Lovelace", title="Analyst", organization="Analytical Society", verification="moderator"
    )
    url = f"/letters/{letter.slug}/signatures/"

    def names(query):
        html = client.get(url + query).content.decode()
        return {n for n in ("Marie Curie", "Alan Turing", "Ada Lovelace") if n in html}

    assert names("?q=curie") == {"Marie Curie"}
    assert names("?q=CRYPTANALYST") == {"Alan Turing"}
    assert names("?q=bletchley") == {"Alan Turing"}
    # PostgreSQL matches words (the last one as a prefix); SQLite any substring
    assert names("?q=analy") == {"Ada Lovelace"} | ({"Alan Turing"} if connection.vendor == "sqlite" else set())
    assert names("?level=domain") == {"Alan Turing"}
    assert names("?level=moderator") == {"Ada Lovelace"}
    assert names("?level=email") == {"Marie Curie"}
    assert names("?q=analyst&level=moderator") == {"Ada Lovelace"}
    assert names("?q=nobody-at-all") == set()
    assert names("") == {"Marie Curie", "Alan Turing", "Ada Lovelace"}


@pytest.mark.django_db
def test_organization_counts(client, letter):
    for _ in range(3):
        ApprovedSignatureFactory(letter=letter, organization="Big Org")
    ApprovedSignatureFactory(letter=letter, organization="Small Org")
    html = client.get(f"/letters/{letter.slug}/signatures/").content.decode()
    assert html.index("Big Org") < html.index("Small Org")
    assert '<span class="help">3</span>' in html


@pytest.mark.django_db
def test_keyset_pages_stay_stable_while_new_signatures_are_approved(
    client, letter, mod_client_factory, django_capture_on_commit_callbacks
):
    start = timezone.now() - timedelta(hours=1)
    for i in range(120):
        ApprovedSignatureFactory(letter=letter, name=f"Signer {i:03d}", approved_at=start + timedelta(seconds=i))
    ApprovedSignatureFactory(letter=letter, name="Star Signer", featured=True, approved_at=start)
    url = f"/letters/{letter.slug}/signatures/"

    def page(query=""):
        html = client.get(url + query).content.decode()
        shown = [line.split(">")[-1] for line in html.split("</span>") if "Signer" in line.split(">")[-1]]
        cursor = html.split('rel="next" href="?after=')[1].split('"')[0].split("&")[0] if 'rel="next"' in html else None
        return shown, cursor

    first, cursor = page()
    assert first[0] == "Star Signer" and first[1] == "Signer 000" and len(first) == 50
    # New signatures are approved between page loads.
    mod = mod_client_factory()
    for i in range(5):
        newcomer = VerifiedSignatureFactory(letter=letter, name=f"Late Signer {i}")
        with django_capture_on_commit_callbacks(execute=True):
            mod.post(f"/moderation/{newcomer.pk}/approve/")
    second, cursor = page(f"?after={cursor}")
    assert second[0] == "Signer 049" and second[-1] == "Signer 098"
    third, cursor = page(f"?after={cursor}")
    assert third[:21] == [f"Signer {i:03d}" for i in range(99, 120)]
    assert third[21:] == [f"Late Signer {i}" for i in range(5)]
    assert cursor is None
    assert len(set(first + second + third)) == 126


@pytest.mark.django_db
def test_a_broken_cursor_shows_the_first_page(client, letter):
    ApprovedSignatureFactory(letter=letter, name="Only One")
    response = client.get(f"/letters/{letter.slug}/signatures/?after=%%%not-a-cursor", follow=True)
    assert response.status_code == 200 and "Only One" in response.content.decode()
    assert response.redirect_chain == [(f"/letters/{letter.slug}/signatures/", 302)]


@pytest.mark.django_db
def test_junk_cursors_add_nothing_to_the_cache(client, letter, settings):
    """Each made-up ?after= used to store a new copy of the page: now it is turned away before
    any cache is looked at, and the page cache holds one entry however many are tried."""
    from django.core.cache import cache

    settings.RATELIMIT_ENABLE = False  # the download limit is not what this is about
    ApprovedSignatureFactory(letter=letter, name="Only One")
    client.get(f"/letters/{letter.slug}/signatures/")
    before = len(list(_page_keys(cache)))
    for i in range(50):
        assert client.get(f"/letters/{letter.slug}/signatures/?after=junk{i}").status_code == 302
        assert client.get(f"/letters/{letter.slug}/signatures.json?after=junk{i}").status_code == 302
    assert len(list(_page_keys(cache))) == before == 1


def _page_keys(cache):
    if hasattr(cache, "_cache") and hasattr(cache._cache, "keys"):  # local memory
        return [k for k in cache._cache if ":page:" in k]
    client = cache._cache.get_client(write=False)  # Redis
    return list(client.scan_iter(match="*:page:*"))


@pytest.mark.django_db
def test_letter_page_shows_new_approvals_at_once(
    client, letter, mod_client_factory, django_capture_on_commit_callbacks
):
    assert "0</strong> verified signatures" in client.get(letter.get_absolute_url()).content.decode()
    newcomer = VerifiedSignatureFactory(letter=letter, name="Brand New")
    with django_capture_on_commit_callbacks(execute=True):
        mod_client_factory().post(f"/moderation/{newcomer.pk}/approve/")
    html = client.get(letter.get_absolute_url()).content.decode()
    assert "Brand New" in html and "1</strong> verified signature" in html


@pytest.mark.django_db
def test_letter_page_queries_stay_constant_when_warm(client, seeded, django_assert_max_num_queries):
    letter, _ = seeded
    client.get(letter.get_absolute_url())
    with django_assert_max_num_queries(1):
        assert client.get(letter.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_sharing_tags_and_card_image(client, letter):
    html = client.get(letter.get_absolute_url()).content.decode()
    assert f'<meta property="og:title" content="{letter.title}">' in html
    assert 'name="twitter:card" content="summary_large_image"' in html
    assert f"/letters/{letter.slug}/card.png" in html
    assert "data-copy=" in html and "js/share.js" in html
    response = client.get(f"/letters/{letter.slug}/card.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


@pytest.mark.django_db
def test_feed_lists_new_signatories_without_emails(client, seeded):
    letter, _ = seeded
    response = client.get(f"/letters/{letter.slug}/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    xml = response.content.decode()
    assert "<entry>" in xml and "Alice Approved" in xml and "Zoë" in xml
    assert "Paula Pending" not in xml and "hidden-domain" not in xml


@pytest.mark.django_db
def test_press_page(client, seeded):
    letter, _ = seeded
    letter.press_contact = "press@campaign.example, +1 555 0100"
    letter.save()
    html = client.get(f"/letters/{letter.slug}/press/").content.decode()
    assert "4</strong> verified signatures" in html
    assert "<svg" in html and 'class="bar"' in html
    assert "press@campaign.example" in html
    assert "Fiona Featured" in html
    for link in ("signatures.csv", "signatures.json", "feed.atom", "log/checkpoint"):
        assert f"/letters/{letter.slug}/{link}" in html


@pytest.mark.django_db
def test_daily_digests_gave_way_to_the_log(client, letter):
    """A dated CSV recomputed from today's data stopped matching its digest after the first
    withdrawal (issue 10): those pages are gone; the transparency log proves lists instead."""
    assert client.get(f"/letters/{letter.slug}/digests/").status_code == 404
    assert client.get(f"/letters/{letter.slug}/signatures-2026-01-01.csv").status_code == 404


def _add_approved(letter, start, count):
    bulk_signatures(
        letter,
        count,
        start=start,
        prefix="Streamed",
        title="A reasonably long job title for the test",
        organization="An organization with a long name",
    )
    log_sync(letter=letter)  # published as the services publish: logged, so the download follows


def _stream_csv(client, letter):
    """Download the CSV; return its size and the peak Python memory while the file is written
    (the first download after a change; tasks run in-process here) and sent."""
    tracemalloc.start()
    response = client.get(f"/letters/{letter.slug}/signatures.csv")
    assert response.streaming
    size = sum(len(chunk) for chunk in response.streaming_content)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, peak


@pytest.mark.django_db
def test_csv_streams_in_flat_memory(client, letter):
    """At small scale: four times the rows, the same memory (the benchmark measures 1,000,000
    rows on PostgreSQL)."""
    _add_approved(letter, 0, 5_000)
    small_size, small_peak = _stream_csv(client, letter)
    _add_approved(letter, 5_000, 15_000)
    big_size, big_peak = _stream_csv(client, letter)
    assert big_size > 3.5 * small_size
    assert big_peak < small_peak * 1.5 + 256_000, f"peak grew from {small_peak} to {big_peak} bytes"


@pytest.mark.django_db
def test_public_json_is_valid_utf8(client, seeded):
    letter, _ = seeded
    raw = client.get(f"/letters/{letter.slug}/signatures.json").content
    data = json.loads(raw.decode("utf-8"))
    assert any(r["name"] == "Zoë Ångström-Núñez" for r in data["results"])


# --- Caches: one rule for who gets a shared page (issue 9, items 2 and 7) -----------------------


@pytest.mark.django_db
def test_a_moderators_view_of_the_list_is_never_served_to_the_public(client, letter, mod_client_factory):
    ApprovedSignatureFactory(letter=letter, name="Public Person")
    mod = mod_client_factory()
    mod_page = mod.get(f"/letters/{letter.slug}/signatures/")
    assert "/moderation/" in mod_page.content.decode()
    assert "private" in mod_page["Cache-Control"] and "no-store" in mod_page["Cache-Control"]

    anonymous = client.get(f"/letters/{letter.slug}/signatures/")
    html = anonymous.content.decode()
    assert "Public Person" in html and "/moderation/" not in html
    assert "public" in anonymous["Cache-Control"]


@pytest.mark.django_db
def test_a_visitor_with_messages_gets_a_page_of_their_own(client, letter):
    client.cookies["messages"] = "something"
    response = client.get(letter.get_absolute_url())
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["__form_timestamp_hole__", "__csrf_token_hole__"])
def test_a_signatory_cannot_change_the_sign_form(client, letter, text):
    """An approved organization that looks like an old cache placeholder stays text, and the
    form's timestamp in the shared page still works for the next signer."""
    ApprovedSignatureFactory(letter=letter, name="Tricky Signer", organization=text, featured=True)
    for _ in range(2):  # a miss, then the cached copy
        html = client.get(letter.get_absolute_url()).content.decode()
        assert text in html
        ts = re.search(r'name="ts" value="([^"]+)"', html).group(1)
        assert text not in ts
    response = client.post(
        f"/letters/{letter.slug}/sign/", {"name": "Next Signer", "email": "next@example.org", "ts": ts}
    )
    assert response.status_code == 303
    assert Signature.objects.filter(name="Next Signer").exists()


@pytest.mark.django_db
def test_signer_text_in_the_feed_is_text_not_markup(client, letter):
    """Atom summaries are type="html": a title like <img onerror=...> must arrive escaped, so a
    feed reader shows it as text (issue 9, item 8)."""
    ApprovedSignatureFactory(letter=letter, name="Feed Person", title='<img src=x onerror="alert(1)">')
    xml = client.get(f"/letters/{letter.slug}/feed.atom").content.decode()
    summary = re.search(r"<summary[^>]*>(.*?)</summary>", xml, re.S).group(1)
    # XML-decoding once (what a reader does) must leave HTML entities, not a tag.
    once = summary.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    assert "<img" not in once and "&lt;img" in once


def test_public_ids_never_look_like_a_formula():
    from signatures.models import new_public_id

    assert not any(new_public_id().startswith("-") for _ in range(5000))
