"""Hostile input never breaks a page: hypothesis throws arbitrary text at every input and the
site answers with a page, never a 500 (the test client raises on any server error)."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signatures.models import Signature
from tests.factories import ApprovedSignatureFactory

# How many examples comes from the Hypothesis profile (tests/support/hypothesis_profiles.py):
# 100 locally, 1,000 in CI. A request can take longer than Hypothesis' default deadline.
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

# Arbitrary Unicode, with the awkward cases made likely: NUL and control bytes, right-to-left
# and invisible marks, formula starters, markup, and very long values.
nasty = st.sampled_from(
    ["\x00", "\u202e", "\u200f", "\u200b", "\ufeff", "=", "+", "-", "@", "<script>", "'\"", "\r\n", "%00", "../"]
)
text = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(nasty, st.text(max_size=5)), max_size=12).map("".join),
    st.text(min_size=300, max_size=3000),
)
field = st.one_of(st.none(), text)


@pytest.fixture
def public_letter(letter, settings):
    settings.RATELIMIT_ENABLE = False
    ApprovedSignatureFactory(letter=letter, name="Known Person", organization="Known Org")
    return letter


@pytest.mark.django_db
def test_sign_form_never_500(client, public_letter):
    url = f"/letters/{public_letter.slug}/sign/"

    @FUZZ
    @given(
        st.fixed_dictionaries(dict.fromkeys(("name", "email", "title", "organization", "link", "ts", "website"), field))
    )
    def post(data):
        response = client.post(url, {k: v for k, v in data.items() if v is not None})
        assert response.status_code in (303, 400)

    post()
    for signature in Signature.objects.exclude(name="Known Person"):
        assert "\x00" not in signature.name + signature.title + signature.organization


@pytest.mark.django_db
def test_search_never_500(client, public_letter):
    url = f"/letters/{public_letter.slug}/signatures/"

    @FUZZ
    @given(q=text, level=text, after=text)
    def search(q, level, after):
        response = client.get(url, {"q": q, "level": level, "after": after})
        # A made-up page cursor goes back to page one (no cache entry per junk value).
        assert response.status_code == 200 or (response.status_code == 302 and response["Location"] == url)

    search()


@pytest.mark.django_db
def test_token_urls_never_500(client, public_letter):
    @FUZZ
    @given(token=st.text(min_size=1, max_size=400), which=st.sampled_from(["confirm", "withdraw"]), post=st.booleans())
    def follow(token, which, post):
        url = f"/{which}/{quote(token, safe='')}/"
        response = client.post(url) if post else client.get(url)
        assert response.status_code in (404, 410)

    follow()
