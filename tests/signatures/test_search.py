"""Public search on PostgreSQL (issue 11, item 5): words with accents folded, the last word a
prefix, from a full-text index; the same page whichever way the database finds it."""

import pytest

from signatures.selectors import public as selectors
from tests.factories import ApprovedSignatureFactory, VerifiedSignatureFactory, bulk_signatures


def names(letter, q, **kwargs):
    rows, _ = selectors.public_signatures(letter=letter, q=q, **kwargs)
    return [row.name for row in rows]


def test_search_terms_take_words_only():
    assert selectors.search_terms("Ada lov") == "ada & lov:*"
    assert selectors.search_terms("  o'brien & | ! (x) ") == "o & brien & x:*"
    assert selectors.search_terms("!!! ---") == ""


@pytest.mark.django_db
def test_accents_fold_both_ways_and_the_last_word_is_a_prefix(postgres, letter):
    ApprovedSignatureFactory(letter=letter, name="Zoë Dupont", organization="Université de Genève", title="")
    ApprovedSignatureFactory(letter=letter, name="Joe Geneva", organization="", title="Geneticist")
    VerifiedSignatureFactory(letter=letter, name="Zoe Waiting", organization="Geneve")  # not public

    assert names(letter, "geneve") == ["Zoë Dupont"]
    assert names(letter, "Genève") == ["Zoë Dupont"]
    assert names(letter, "zoe universite") == ["Zoë Dupont"]
    assert names(letter, "gene") == ["Zoë Dupont", "Joe Geneva"]  # a prefix: Genève, Geneva, Geneticist
    assert names(letter, "geneva zoe") == []  # every word must match
    assert names(letter, "ève") == []  # words, not the middle of one
    assert names(letter, "?!") == []
    assert selectors.public_match_count(letter=letter, q="gene") == 2


@pytest.mark.django_db
def test_few_and_many_matches_give_the_same_pages(postgres, letter, monkeypatch):
    """Up to SPARSE matches are read from the index and sorted; more are found by walking the
    list in public order. Both give the public order, featured first, page after page."""
    bulk_signatures(letter, 120, prefix="Match", title="Engineer")
    bulk_signatures(letter, 60, prefix="Other", title="Baker")
    featured = ApprovedSignatureFactory(letter=letter, name="Match Featured", title="Engineer", featured=True)
    expected = ["Match Featured"] + [f"Match {i}" for i in range(120)]

    def all_pages():
        found, after = [], ""
        while True:
            rows, after = selectors.public_signatures(letter=letter, q="engin", after=after, limit=50)
            found += [row.name for row in rows]
            if after is None:
                return found

    assert all_pages() == expected
    assert selectors.public_match_count(letter=letter, q="engin") == 121
    monkeypatch.setattr(selectors, "SPARSE", 10)
    selectors._candidates.clear()
    assert all_pages() == expected
    assert selectors.public_match_count(letter=letter, q="engin") == selectors.MATCH_COUNT_CAP + 1
    assert featured.name in names(letter, "match featured")


@pytest.mark.django_db
def test_a_search_is_two_queries(postgres, letter, django_assert_max_num_queries):
    bulk_signatures(letter, 500, prefix="Person")
    with django_assert_max_num_queries(2):  # the matches' ids from the index, then their page
        assert names(letter, "person 42") == ["Person 42", *(f"Person {n}" for n in range(420, 430))]
