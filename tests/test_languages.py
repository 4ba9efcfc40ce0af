"""Languages (issue 13, item 5): the reader's language from the switcher or Accept-Language,
letters with translations, and each signature recording the text and language its signer read."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from letter.models import LetterTranslation
from letter.services import letter_translation_load
from signatures.models import Signature
from tests.factories import ApprovedSignatureFactory

SPANISH_LETTER = "# Abrid las herramientas\n\nPedimos *acceso* a los modelos.\n"
SIGNER = {"name": "Ana García", "email": "ana@example.org", "title": "CISO", "organization": "Ejemplo SA"}


@pytest.fixture
def spanish(letter):
    translation, _new = letter_translation_load(slug=letter.slug, language="es", text=SPANISH_LETTER)
    return translation


def page(client, path, language=None, **headers):
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response, response.content.decode()


@pytest.mark.django_db
def test_accept_language_chooses_the_pages_language_and_the_letters_translation(client, letter, spanish):
    response, html = page(client, letter.get_absolute_url(), "es-ES,es;q=0.9,en;q=0.5")
    assert '<html lang="es">' in html
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"] and "Cookie" not in response["Vary"]
    assert "Abrid las herramientas" in html and "<em>acceso</em>" in html
    assert letter.title not in html
    # Still a page a shared cache may keep: one copy per language.
    assert "public" in response["Cache-Control"]

    response, html = page(client, letter.get_absolute_url(), "en-GB,en;q=0.8")
    assert '<html lang="en">' in html and letter.title in html and "Abrid las herramientas" not in html

    _response, html = page(client, letter.get_absolute_url(), "es")  # the cached Spanish copy
    assert "Abrid las herramientas" in html
    assert '<meta name="description" content="Pedimos acceso a los modelos.">' in html

    # The other pages name the letter by its Spanish title too.
    _response, html = page(client, reverse("signatures:list", args=[letter.slug]), "es")
    assert "Abrid las herramientas" in html and letter.title not in html
    _response, html = page(client, reverse("signatures:list", args=[letter.slug]), "en")
    assert letter.title in html and "Abrid las herramientas" not in html


@pytest.mark.django_db
def test_a_language_without_a_translation_shows_the_original_text(client, letter):
    _response, html = page(client, letter.get_absolute_url(), "es")
    assert '<html lang="es">' in html and letter.title in html


@pytest.mark.django_db
def test_an_unknown_language_falls_back_to_english(client, letter):
    response, html = page(client, letter.get_absolute_url(), "de-DE,fr;q=0.9")
    assert '<html lang="en">' in html and response["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_switcher_remembers_the_choice_and_such_pages_stay_out_of_shared_caches(client, letter, spanish):
    _response, html = page(client, letter.get_absolute_url())
    switch = f"/language/?language=es&amp;next={letter.get_absolute_url()}"
    assert switch in html.replace("%2F", "/")

    response = client.get("/language/", {"language": "es", "next": letter.get_absolute_url()})
    assert response.status_code == 303 and response["Location"] == letter.get_absolute_url()
    assert response.cookies["django_language"].value == "es"

    # The cookie wins over the browser's Accept-Language; a shared cache cannot see the cookie,
    # so the page is private.
    response, html = page(client, letter.get_absolute_url(), "en")
    assert '<html lang="es">' in html and "Abrid las herramientas" in html
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]

    client.get("/language/", {"language": "en", "next": "/"})
    _response, html = page(client, letter.get_absolute_url(), "es")
    assert '<html lang="en">' in html and letter.title in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"language": "es", "next": "https://evil.example/"},
        {"language": "es", "next": "//evil.example/x"},
        {"language": "es", "next": "javascript:alert(1)"},
        {"language": "xx", "next": "https://evil.example/"},
        {"language": "es" * 50_000},
        {},
    ],
)
def test_the_switcher_never_leaves_the_site(client, letter, query):
    response = client.get("/language/", query)
    assert response.status_code == 303 and response["Location"] == "/"
    chosen = response.cookies.get("django_language")
    assert chosen is None or chosen.value == "es"


def sign(client, letter, language, **fields):
    return client.post(
        reverse("signatures:sign", args=[letter.slug]), {**SIGNER, **fields}, HTTP_ACCEPT_LANGUAGE=language
    )


@pytest.mark.django_db
def test_a_signature_records_the_language_and_version_its_signer_read(client, letter, spanish):
    _response, html = page(client, letter.get_absolute_url(), "es")
    version_field = f'<input type="hidden" name="version" value="{spanish.current_version.pk}"'
    assert version_field in html
    assert sign(client, letter, "es", version=spanish.current_version.pk).status_code == 303
    signature = Signature.objects.get()
    assert signature.language == "es"
    assert (signature.version.language, signature.version.number) == ("es", 1)
    # The signer's own page says which text they signed.
    from signatures.tokens import make_withdraw_token

    own = reverse("launch:your_signature", args=[make_withdraw_token(signature.public_id)])
    assert "Spanish, version 1" in page(client, own, "en")[1]


@pytest.mark.django_db
def test_a_signer_keeps_the_version_they_read_when_the_text_changes_meanwhile(client, letter, spanish):
    read = spanish.current_version
    letter_translation_load(slug=letter.slug, language="es", text=SPANISH_LETTER + "\nUna frase más.\n")
    assert sign(client, letter, "es", version=read.pk).status_code == 303
    assert Signature.objects.get().version == read


@pytest.mark.django_db
@pytest.mark.parametrize("claimed", ["", "abc", "-1", "9" * 5000, "1e3"])
def test_a_missing_or_junk_version_records_the_text_the_page_shows(client, letter, spanish, claimed):
    assert sign(client, letter, "es", version=claimed).status_code == 303
    signature = Signature.objects.get()
    assert signature.version == spanish.current_version and signature.language == "es"


@pytest.mark.django_db
def test_another_letters_version_is_not_recorded(client, letter, spanish):
    from tests.factories import LetterFactory

    other = LetterFactory()
    assert sign(client, letter, "en", version=other.current_version.pk).status_code == 303
    signature = Signature.objects.get()
    assert signature.version == letter.current_version and signature.language == "en"


@pytest.mark.django_db
def test_the_confirmation_email_comes_in_the_signers_language(
    client, letter, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(client, letter, "es")
        sign(client, letter, "en", email="bob@example.org", name="Bob Stone")
    by_address = {message.to[0]: message for message in mailoutbox}
    assert by_address["ana@example.org"].extra_headers["Content-Language"] == "es"
    assert by_address["bob@example.org"].extra_headers["Content-Language"] == "en"


@pytest.mark.django_db
def test_exports_carry_the_language_and_version_read(client, letter, spanish):
    english = ApprovedSignatureFactory(letter=letter, name="Bob Stone")
    spanish_signer = ApprovedSignatureFactory(
        letter=letter, name="Ana García", version=spanish.current_version, language="es"
    )

    response = client.get(reverse("signatures:csv", args=[letter.slug]))
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert (rows[english.public_id]["letter_language"], rows[english.public_id]["letter_version"]) == ("en", "1")
    assert (rows[spanish_signer.public_id]["letter_language"], rows[spanish_signer.public_id]["letter_version"]) == (
        "es",
        "1",
    )

    data = json.loads(client.get(reverse("signatures:json", args=[letter.slug])).content)
    languages = {row["id"]: (row["letter_language"], row["letter_version"]) for row in data["results"]}
    assert languages == {english.public_id: ("en", 1), spanish_signer.public_id: ("es", 1)}


@pytest.mark.django_db
def test_load_letter_loads_a_translation(tmp_path, letter, capsys):
    path = tmp_path / "es.md"
    path.write_text(SPANISH_LETTER, encoding="utf-8")
    call_command("load_letter", str(path), "--slug", letter.slug, "--language", "es")
    translation = LetterTranslation.objects.get(letter=letter, language="es")
    assert translation.title == "Abrid las herramientas" and translation.current_version.number == 1
    call_command("load_letter", str(path), "--slug", letter.slug, "--language", "es")
    assert "text unchanged" in capsys.readouterr().out
    assert letter.versions.filter(language="es").count() == 1

    with pytest.raises(CommandError, match="another language"):
        call_command("load_letter", str(path), "--slug", letter.slug, "--language", "en")
    with pytest.raises(CommandError, match="Unknown language"):
        call_command("load_letter", str(path), "--slug", letter.slug, "--language", "xx")
    with pytest.raises(CommandError, match="no letter"):
        call_command("load_letter", str(path), "--slug", "nope", "--language", "es")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_proxy_cache_keeps_a_copy_per_language_and_never_serves_a_switchers_page(nginx_proxy):
    from tests.factories import LetterFactory
    from tests.support.proxy import ProxyClient

    letter = LetterFactory(is_primary=True)
    letter_translation_load(slug=letter.slug, language="es", text=SPANISH_LETTER)
    url = f"{nginx_proxy.url}/"

    def get(language, **client):
        status, headers, html = ProxyClient(address="127.0.0.2", headers={"Accept-Language": language}).request(url)
        assert status == 200
        return headers, html

    for _ in range(2):  # a miss, then a hit: each language gets its own copy
        headers, html = get("es")
        assert "Abrid las herramientas" in html and '<html lang="es">' in html
        headers, html = get("en-US,en;q=0.9")
        assert letter.title in html and '<html lang="en">' in html
    assert headers["X-Cache-Status"] == "HIT"

    # The switcher's cookie says Spanish while the browser asks for English: the proxy cannot
    # see that choice in its key, so such a request never reads (nor fills) the cache.
    chooser = ProxyClient(address="127.0.0.3", headers={"Accept-Language": "en"})
    status, _headers, _html = chooser.request(f"{nginx_proxy.url}/language/?language=es&next=/")
    assert status == 303
    status, headers, html = chooser.request(url)
    assert status == 200 and "Abrid las herramientas" in html and headers["X-Cache-Status"] == "BYPASS"
    assert letter.title in get("en")[1]


def spanish_for(english: str) -> str:
    from django.utils import translation

    with translation.override("es"):
        spanish = translation.gettext(english)
    assert spanish != english, f"no Spanish for {english!r} in locale/es"
    return spanish


@pytest.mark.django_db
def test_a_spanish_reader_gets_the_whole_page_in_spanish(client, letter, spanish):
    _response, html = page(client, letter.get_absolute_url(), "es")
    for english in ("Add your name", "Sign the letter", "Skip to content"):
        assert spanish_for(english) in html and english not in html
    # The form's own words, and Django's for a field left empty, after a failed POST.
    response = sign(client, letter, "es", name="")
    assert response.status_code == 400
    html = response.content.decode()
    assert spanish_for("Please enter your name.") in html and "Please enter your name." not in html
    assert '<html lang="es">' in html and "Abrid las herramientas" in html


@pytest.mark.django_db
def test_a_spanish_signer_follows_the_whole_path_in_spanish(
    client, letter, spanish, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign(client, letter, "es")
    assert response.status_code == 303
    _response, html = page(client, response["Location"], "es")
    assert spanish_for("Check your email") in html
    (message,) = mailoutbox
    # In Spanish, naming the letter by the title they read.
    subject = spanish_for('Confirm your signature on "%(title)s"') % {"title": "Abrid las herramientas"}
    assert message.subject == subject
    assert "Confirm" not in message.body and "Abrid las herramientas" in message.body


@pytest.mark.django_db
def test_the_addressees_line_follows_the_translation(client, letter, spanish):
    from letter.services import letter_translation_save

    letter.addressees = "The regulators"
    letter.save()
    spanish.addressees = "A los reguladores"
    letter_translation_save(translation=spanish)
    _response, html = page(client, letter.get_absolute_url(), "es")
    assert "A los reguladores" in html and "The regulators" not in html
    _response, html = page(client, letter.get_absolute_url(), "en")
    assert "The regulators" in html and "A los reguladores" not in html
