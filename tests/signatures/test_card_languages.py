"""The link-preview image in the reader's language: the title of the letter's translation, and
the words under the count (letter/card.py), cached per language."""

import pytest
from django.conf import settings
from django.utils import translation

from letter.card import render_card
from letter.services import letter_translation_load

SPANISH_LETTER = "# Abrid las herramientas\n\nPedimos acceso a los modelos.\n"


def card(client, letter, language):
    response = client.get(f"/letters/{letter.slug}/card.png", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return response


def drawn(title, language):
    with translation.override(language):
        return render_card(title=title, count=0, site=settings.SITE_NAME)


@pytest.mark.django_db
def test_the_card_shows_the_translation_a_reader_of_that_language_reads(client, letter):
    letter_translation_load(slug=letter.slug, language="es", text=SPANISH_LETTER)
    english = card(client, letter, "en").content
    spanish = card(client, letter, "es").content
    assert english == drawn(letter.title, "en")
    assert spanish == drawn("Abrid las herramientas", "es")
    # Each language keeps its own cached copy: asking again in English is still English.
    assert card(client, letter, "en").content == english


@pytest.mark.django_db
def test_a_card_in_the_switchers_language_is_not_kept_by_shared_caches(client, letter):
    response = card(client, letter, "en")
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in response["Vary"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = card(client, letter, "en")
    assert response["Cache-Control"] == "private, max-age=300"
