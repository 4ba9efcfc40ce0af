"""The sign form's checks were made faster for the import (issue 11); each shortcut must decide
exactly as the slower code it stands in for, on ordinary and on hostile text."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from hypothesis import given
from hypothesis import strategies as st

from signatures import domains, forms, names

# Characters that NFKC turns into a dot, or that are dots to IDNA, beside letters and digits:
# the text the host-name search must still find.
DOT_LIKE = ".\u3002\uff0e\uff61\u2024\ufe52\u2488\u2489"
HOSTY = st.text(alphabet=st.sampled_from(list("abcdefgtkorum-_ 0123456789") + list(DOT_LIKE)), max_size=30)


def test_no_ascii_character_is_invisible():
    # strip_invisible returns ASCII text as it is: nothing in its table may be ASCII.
    assert [cp for cp in names._STRIP_TABLE if cp < 128] == []


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_ascii_text_is_stripped_as_the_whole_table_strips_it(text):
    assert names.strip_invisible(text) == text.translate(names._STRIP_TABLE)


def _looks_like_domain_without_the_shortcut(text: str) -> bool:
    text = unicodedata.normalize("NFKC", text)
    return any(domains._is_domain(match.group()) for match in domains._HOSTLIKE.finditer(text))


@pytest.mark.parametrize("text", ["evil\u2024tk", "paypal\ufe52com", "x\u2488com", "Jane Doe", "evil.tk"])
def test_dots_that_nfkc_makes_are_still_seen(text):
    assert domains.looks_like_domain(text) == _looks_like_domain_without_the_shortcut(text)


@given(st.one_of(HOSTY, st.text(max_size=30)))
def test_looks_like_domain_decides_as_without_the_shortcut(text):
    assert domains.looks_like_domain(text) == _looks_like_domain_without_the_shortcut(text)


def _accepts(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


EMAILS = [
    "jane@example.org",
    "jane+tag@sub.example.co.uk",
    "jane@localhost",
    "jane@[127.0.0.1]",
    "jane@[::1]",
    "jane@[999.1.1.1]",
    "jane@example",
    "jane@-example.org",
    "jane@@example.org",
    '"jane doe"@example.org',
    "jane@exa_mple.org",
    "jané@exämple.org",
    "jane@xn--exmple-cua.org",
    "a" * 65 + "@example.org",
    "jane@" + "a" * 64 + ".org",
    "",
    "@",
    "jane@example.org\n",
]
URLS = [
    "https://example.org/about",
    "http://example.org:8080/x?y=1#z",
    "https://[::1]/",
    "https://[::zz]/",
    "https://127.0.0.1/",
    "https://user:pw@example.org/",
    "https://localhost/",
    "https://exa mple.org/",
    "https://example/",
    "https://-example.org/",
    "https://ex\u00e4mple.org/",
    "https://" + "a" * 64 + ".org/",
    "https://example.org/\n",
    "ftp://example.org/",
]


@pytest.mark.parametrize("value", EMAILS)
def test_the_email_check_decides_as_djangos(value):
    assert _accepts(forms._CompiledEmailValidator(), value) == _accepts(EmailValidator(), value)


@pytest.mark.parametrize("value", URLS)
def test_the_link_check_decides_as_djangos(value):
    django_check = URLValidator(schemes=["http", "https"])
    assert _accepts(forms.WEB_LINK, value) == _accepts(django_check, value)


@given(st.from_regex(r"[a-zA-Z0-9.+_\"-]{0,12}@[a-z0-9.\[\]:-]{0,16}", fullmatch=True) | st.text(max_size=30))
def test_any_email_is_decided_as_django_decides_it(value):
    assert _accepts(forms._CompiledEmailValidator(), value) == _accepts(EmailValidator(), value)


@given(st.from_regex(r"https?://[a-z0-9.\[\]:@-]{0,20}(/[a-z]{0,5})?", fullmatch=True) | st.text(max_size=30))
def test_any_link_is_decided_as_django_decides_it(value):
    assert _accepts(forms.WEB_LINK, value) == _accepts(URLValidator(schemes=["http", "https"]), value)


def test_the_sign_form_uses_the_compiled_checks():
    # What the tests above compare is what the form runs.
    email_validators = forms.SignatureForm().fields["email"].validators
    assert any(isinstance(v, forms._CompiledEmailValidator) for v in email_validators)
    assert not any(type(v) is EmailValidator for v in email_validators)
    assert not hasattr(forms.WEB_LINK.regex, "_wrapped")  # compiled, not behind Django's lazy proxy
