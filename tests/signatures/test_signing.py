import re

import pytest
from django.test import Client
from django.urls import reverse

from letter.models import Letter
from signatures.models import OutgoingEmail, Signature
from tests.factories import ApprovedSignatureFactory, LetterFactory

VALID = {
    "name": "Jane Doe",
    "email": "Jane.Doe@Example.org",
    "title": "CISO",
    "organization": "Example Org",
    "link": "https://example.org/jane",
}


def sign(client, letter, **overrides):
    data = {**VALID, **overrides}
    return client.post(reverse("signatures:sign", args=[letter.slug]), data)


def error_beside(response, field):
    """The error message rendered next to one field of the sign form."""
    match = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', response.content.decode())
    return match.group(1) if match else None


@pytest.mark.django_db
def test_letter_page_shows_text_count_and_form(client, letter):
    response = client.get(letter.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert letter.title in html
    assert "<strong>something reasonable</strong>" in html
    assert 'name="email"' in html
    # The same bytes for every anonymous reader: no per-visitor token, cacheable by a proxy.
    assert "csrfmiddlewaretoken" not in html and "Set-Cookie" not in response.headers
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    assert "0</strong> verified signatures" in html


@pytest.mark.django_db
def test_root_serves_primary_letter(client):
    LetterFactory(title="Not this one")
    primary = LetterFactory(title="The primary letter", is_primary=True)
    response = client.get("/")
    assert response.status_code == 200
    assert primary.title in response.content.decode()


@pytest.mark.django_db
def test_unpublished_letter_is_not_found(client):
    draft = LetterFactory(state=Letter.State.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert sign(client, draft).status_code == 404


@pytest.mark.django_db
def test_valid_signature_redirects_to_check_email_and_sends_link(
    client, letter, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign(client, letter)
    assert response.status_code == 303
    assert response["Location"] == reverse("signatures:check_email", args=[letter.slug])
    assert "Check your email" in client.get(response["Location"]).content.decode()

    signature = Signature.objects.get()
    assert signature.status == Signature.Status.PENDING
    assert signature.email_normalized == "jane.doe@example.org"
    assert signature.version == letter.current_version

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["Jane.Doe@Example.org"]
    assert "Confirm your signature" in message.subject
    assert "http://testserver/confirm/" in message.body
    assert "http://testserver/your-signature/" in message.body
    html = message.alternatives[0][0]
    assert "http://testserver/confirm/" in html


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Please enter your name."),
        ("name", "   ", "Please enter your name."),
        ("name", "x" * 101, "Please shorten your name to 100 characters or fewer."),
        ("name", "Buy now https://spam.example", "without web addresses"),
        ("name", "Visit www.spam.example", "without web addresses"),
        ("name", "Jane\x07Doe", "invisible control characters"),
        ("name", "Jane \u202eeoD", "invisible control characters"),
        ("name", "<b>Jane</b>", "without &lt; or &gt;"),
        ("name", "12345", "Please enter your name in letters."),
        ("email", "", "Please enter your email address"),
        ("email", "not-an-email", "Please enter a valid email address"),
        ("email", "a" * 250 + "@example.org", "at most 254 characters"),
        ("title", "t" * 151, "Please shorten your title to 150 characters or fewer."),
        ("organization", "o" * 151, "Please shorten the organization to 150 characters or fewer."),
        ("organization", "Evil\x00Corp", "Null characters are not allowed."),
        ("link", "javascript:alert(1)", "Only web links"),
        ("link", "ftp://example.org/file", "Only web links"),
        ("link", "https://exa mple.org", "cannot contain spaces"),
        ("link", "https://" + "a" * 300 + ".org", "at most 300 characters"),
        ("link", "https://", "Please enter a valid web address"),
    ],
)
@pytest.mark.django_db
def test_each_invalid_field_gets_its_message_and_400(client, letter, field, value, message):
    response = sign(client, letter, **{field: value})
    assert response.status_code == 400
    error = error_beside(response, field)
    assert error is not None, f"no error shown beside {field}"
    assert message in error
    assert Signature.objects.count() == 0
    # The form comes back filled in, so the signer loses nothing they typed.
    if field != "name":
        assert 'value="Jane Doe"' in response.content.decode()


@pytest.mark.django_db
def test_input_is_normalised_and_trimmed(client, letter):
    # NFKC folds the full-width letters; white space runs fold to one space.
    response = sign(
        client,
        letter,
        name="  Ｊａｎｅ   Doe ",
        title=" Chief\tScientist ",
        organization="  Org  ",
        link="example.org/me",
    )
    assert response.status_code == 303
    signature = Signature.objects.get()
    assert signature.name == "Jane Doe"
    assert signature.title == "Chief Scientist"
    assert signature.organization == "Org"
    assert signature.link == "https://example.org/me"


@pytest.mark.django_db
def test_signing_twice_gives_same_answer_one_row_and_a_fresh_link(
    client, letter, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_RESEND_COOLDOWN = 0
    with django_capture_on_commit_callbacks(execute=True):
        first = sign(client, letter)
    with django_capture_on_commit_callbacks(execute=True):
        second = sign(client, letter, email="  jane.doe@EXAMPLE.org ", name="Someone Else")
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Signature.objects.count() == 1
    # While unconfirmed, the latest details replace the first (issue 10: the address's owner,
    # not whoever used it first, decides what is confirmed); each email's link confirms only the
    # details that email showed (tests/signatures/test_owner_details.py).
    assert Signature.objects.get().name == "Someone Else"
    assert [m.subject for m in mailoutbox] == [mailoutbox[0].subject] * 2
    assert "Confirm your signature" in mailoutbox[1].subject
    assert "Jane Doe" in mailoutbox[0].body and "Someone Else" in mailoutbox[1].body


@pytest.mark.django_db
def test_signing_again_after_confirming_says_so_by_email_only(
    client, letter, mailoutbox, django_capture_on_commit_callbacks
):
    existing = ApprovedSignatureFactory(letter=letter, email="jane.doe@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = sign(client, letter)
    assert response.status_code == 303
    assert response["Location"] == reverse("signatures:check_email", args=[letter.slug])
    assert Signature.objects.count() == 1
    existing.refresh_from_db()
    assert existing.status == Signature.Status.APPROVED
    assert len(mailoutbox) == 1
    assert "already signed" in mailoutbox[0].subject
    assert "/confirm/" not in mailoutbox[0].body


@pytest.mark.django_db
def test_same_email_may_sign_two_letters(client, letter):
    other = LetterFactory()
    assert sign(client, letter).status_code == 303
    assert sign(client, other).status_code == 303
    assert Signature.objects.count() == 2


@pytest.mark.django_db
def test_signing_again_at_once_sends_no_second_email(client, letter, mailoutbox, django_capture_on_commit_callbacks):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert sign(client, letter).status_code == 303
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_email_cap_per_signature(client, letter, mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.RATELIMIT_ENABLE = False
    settings.EMAIL_RESEND_COOLDOWN = 0
    for _ in range(8):
        with django_capture_on_commit_callbacks(execute=True):
            assert sign(client, letter).status_code == 303
    assert len(mailoutbox) == settings.MAX_EMAILS_PER_SIGNATURE == 5
    assert OutgoingEmail.objects.count() == 5


@pytest.mark.django_db
def test_a_post_from_another_site_is_refused(letter):
    """The sign form carries no CSRF token (the letter page is shared by every reader); a
    browser's Origin and Sec-Fetch-Site headers tell a cross-site post instead."""
    client = Client(enforce_csrf_checks=True)
    url = reverse("signatures:sign", args=[letter.slug])
    assert client.post(url, VALID, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.post(url, VALID, HTTP_ORIGIN="null").status_code == 403
    assert client.post(url, VALID, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert Signature.objects.count() == 0

    response = client.post(url, VALID, HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 303
    assert Signature.objects.count() == 1


@pytest.mark.django_db
def test_a_script_without_origin_signs_like_a_browser(letter):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("signatures:sign", args=[letter.slug]), VALID)
    assert response.status_code == 303
    assert Signature.objects.count() == 1


@pytest.mark.django_db
def test_get_on_sign_url_goes_back_to_the_form(client, letter):
    response = client.get(reverse("signatures:sign", args=[letter.slug]))
    assert response.status_code == 302
    assert response["Location"] == letter.get_absolute_url() + "#sign"


@pytest.mark.django_db
def test_too_many_attempts_get_a_readable_429(client, letter, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "sign_email": "3/h"}
    answers = [sign(client, letter).status_code for _ in range(4)]
    assert answers == [303, 303, 303, 429]
    response = sign(client, letter)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
