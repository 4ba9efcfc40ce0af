"""The public list's search tells how many it found and how to get back to everyone."""

import pytest

from tests.factories import ApprovedSignatureFactory, bulk_signatures


@pytest.mark.django_db
def test_a_search_says_how_many_matched_and_offers_to_clear_it(client, letter):
    ApprovedSignatureFactory(letter=letter, name="Ada Lovelace", organization="Analytical Engines")
    ApprovedSignatureFactory(letter=letter, name="Adam Smith", organization="Pin Factory")
    ApprovedSignatureFactory(letter=letter, name="Grace Hopper", organization="Navy")
    url = f"/letters/{letter.slug}/signatures/"

    html = client.get(url, {"q": "ada"}).content.decode()
    assert "<strong>2</strong>\n  signatories match “ada”" in html
    assert '<a href="?">Clear search</a>' in html
    assert f'<a href="{url}">Show all 3</a>' in html

    html = client.get(url, {"q": "hopper"}).content.decode()
    assert "<strong>1</strong>\n  signatory matches “hopper”" in html

    html = client.get(url).content.decode()
    assert "Clear search" not in html and 'class="matched"' not in html


@pytest.mark.django_db
def test_a_broad_search_on_a_big_list_is_not_counted_to_the_end(client, letter):
    from signatures.selectors import public as selectors

    bulk_signatures(letter, selectors.MATCH_COUNT_CAP + 5, prefix="Many")
    html = client.get(f"/letters/{letter.slug}/signatures/", {"q": "many"}).content.decode()
    assert "More than 1,000</strong>" in html
