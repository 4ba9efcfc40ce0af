"""Every word the site says to a reader or a signer goes through Django's translation machinery.

The pages and emails are rendered under a pseudo-language that wraps each translated string in
⟦ ⟧. Whatever English is left outside the brackets is either data (the letter, a signer's
details, the site's name, code samples) or a string nobody marked for translation, and the test
names it. Pages rendered in the real Spanish catalog are tested in tests/test_languages.py."""

import gettext
import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import trans_real

from freefable.views import ratelimited
from letter.models import Letter
from moderation.services.decisions import signature_approve
from signatures.models import Signature
from signatures.services import launch
from signatures.services.updates import update_publish
from tests.factories import ApprovedSignatureFactory, LetterFactory

SEPARATOR = "\x04"  # gettext's context separator (pgettext)


class Bracketed(gettext.NullTranslations):
    """A language in which every translated string reads ⟦like this⟧."""

    def gettext(self, message):
        return f"⟦{message.rpartition(SEPARATOR)[2]}⟧"

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)

    def to_language(self):
        return "en"

    def language(self):
        return "en"


SIGNER = {"name": "Zora Quill", "email": "zora@example.org", "title": "Archivist", "organization": "Quill Works"}
UPDATE = ("Handed over", "We delivered the letter today.")
# Words that are data, not the site's own text: left as they are in every language.
DATA = [
    "English",  # the switcher names each language in that language
    "Español",
    "The people in charge",
    *SIGNER.values(),
    *UPDATE,
    "Featured Person",
    "Chief Scientist",
    "Big Lab",
    "Press desk",
    "CSV",
    "JSON",
    "count.json",
    "log/key",
    "Python",
    "UTC",
]


@pytest.fixture
def bracketed(monkeypatch):
    language = Bracketed()
    monkeypatch.setattr(trans_real, "translation", lambda code: language)
    monkeypatch.setattr(trans_real, "_default", language)
    monkeypatch.setattr(trans_real._active, "value", language, raising=False)
    return language


def unmarked(text: str, *data: str) -> list[str]:
    """The words of `text` (HTML or plain) that are neither translated nor data."""
    text = re.sub(r"<(script|style|code)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r'<div class="letter-body">.*?</div>', " ", text, flags=re.S)  # the letter's own text
    attributes = re.findall(r'\b(?:title|alt|aria-label|placeholder|data-done|data-prompt)="([^"]*)"', text)
    text = " ".join([re.sub(r"<[^>]*>", " ", text), *attributes])
    text = html.unescape(text)
    while re.search(r"⟦[^⟦⟧]*⟧", text):
        text = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
    for value in sorted([*DATA, *data, settings.SITE_NAME], key=len, reverse=True):
        text = text.replace(value, " ")
    text = re.sub(r"\S*(https?://|@|/)\S*", " ", text)  # addresses and paths
    return re.findall(r"[^\W\d_]{2,}(?:['’][^\W\d_]+)?", text)


def check(response_or_text, *data: str):
    text = response_or_text if isinstance(response_or_text, str) else response_or_text.content.decode()
    left = unmarked(text, *data)
    assert not left, f"English that is not marked for translation: {left}"


@pytest.fixture
def moderator(db):
    return get_user_model().objects.create_user("mod", "mod@example.org", "a long password 123")


@pytest.mark.django_db
def test_a_signers_pages_and_emails_are_all_translated_text(
    bracketed, client, letter, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    ApprovedSignatureFactory(
        letter=letter, name="Featured Person", title="Chief Scientist", organization="Big Lab", featured=True
    )
    update_publish(letter=letter, moderator=moderator, title=UPDATE[0], body_markdown=UPDATE[1], email_signers=False)
    data = (letter.title,)
    check(client.get(letter.get_absolute_url()), *data)
    sign = reverse("signatures:sign", args=[letter.slug])
    check(client.post(sign, {"name": "", "email": "nope", "link": "ftp://x"}), *data)
    check(client.post(sign, {"name": "https://x", "email": "a@b.org", "title": "\x07"}), *data)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(sign, {**SIGNER, "updates": "on"})
    check(client.get(response["Location"]), *data)
    confirm = re.search(r"http://testserver(/confirm/\S+/)", mailoutbox[-1].body).group(1)
    check(client.get(confirm), *data)
    check(client.get(client.post(confirm)["Location"]), *data)
    check(client.get(confirm), *data)  # used already

    signature = Signature.objects.get(email=SIGNER["email"])
    with django_capture_on_commit_callbacks(execute=True):
        signature_approve(signature_id=signature.pk, moderator=moderator)
    mine = re.search(r"http://testserver(/your-signature/\S+/)", mailoutbox[-1].body).group(1)
    check(client.get(mine), *data)
    check(client.post(mine, {"title": "x" * 500, "organization": ""}), *data)
    check(
        client.get(client.post(mine, {"title": "Keeper", "organization": "Quill Works"})["Location"]), "Keeper", *data
    )
    unsubscribe = re.search(r'href="(/unsubscribe/[^"]+)"', client.get(mine).content.decode()).group(1)
    check(client.get(unsubscribe), *data)
    check(client.post(unsubscribe), *data)

    withdraw = reverse("signatures:withdraw", args=[mine.rstrip("/").rsplit("/", 1)[1]])
    check(client.get(withdraw), *data)
    check(client.get(client.post(withdraw)["Location"]), *data)
    check(client.get(withdraw), *data)  # withdrawn already

    for message in mailoutbox:
        check(message.subject, *data)
        check(message.body, *data)
        check(message.alternatives[0][0], *data)


@pytest.mark.django_db
def test_the_public_list_and_the_press_pages_are_all_translated_text(bracketed, client, letter):
    ApprovedSignatureFactory(letter=letter, **SIGNER, identification_only=True)
    ApprovedSignatureFactory(
        letter=letter, name="Featured Person", title="Chief Scientist", organization="Big Lab", featured=True
    )
    data = (letter.title,)
    listing = reverse("signatures:list", args=[letter.slug])
    for query in ({}, {"q": "Zora"}, {"q": "nobody at all"}, {"level": "email"}, {"q": "Zora", "level": "email"}):
        check(client.get(listing, query), "Zora", "nobody at all", *data)
    check(client.get(reverse("signatures:press", args=[letter.slug])), *data)
    check(client.get(reverse("letter:method")), *data)
    check(client.get("/letters/no-such-letter/"), *data)
    feed = client.get(reverse("signatures:feed", args=[letter.slug])).content.decode()
    for title in re.findall(r"<(?:title|subtitle)>(.*?)</(?:title|subtitle)>", feed, flags=re.S)[:2]:
        check(title, *data)


@pytest.mark.django_db
def test_launch_pages_are_all_translated_text(bracketed, client, moderator):
    collecting = LetterFactory(state=Letter.State.COLLECTING, go_live_at=timezone.now() + timedelta(days=2))
    data = (collecting.title,)
    invitation = launch.invitation_create(letter=collecting, label="Everyone", max_uses=None, actor=moderator)
    check(client.get(invitation.get_absolute_url()), "Everyone", *data)
    check(client.post(reverse("signatures:sign", args=[collecting.slug]), {**SIGNER}), *data)  # no invitation

    later = timezone.now() + timedelta(days=1)
    preview = launch.press_preview_create(letter=collecting, label="Press desk", expires_at=later, actor=moderator)
    check(client.get(reverse("launch:press_preview", args=[preview.token])), *data)
    launch.press_preview_expire(preview_id=preview.pk, actor=moderator)
    check(client.get(reverse("launch:press_preview", args=[preview.token])), *data)

    launch.letter_set_state(letter=collecting, state=Letter.State.LIVE, actor=moderator)
    launch.letter_set_state(letter=collecting, state=Letter.State.CLOSED, actor=moderator)
    check(client.get(invitation.get_absolute_url()), *data)


@pytest.mark.django_db
def test_the_rarer_pages_are_all_translated_text(
    bracketed, client, letter, settings, rf, django_capture_on_commit_callbacks, mailoutbox
):
    data = (letter.title, "Head Archivist")
    sign = reverse("signatures:sign", args=[letter.slug])
    settings.EMAIL_RESEND_COOLDOWN = 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(sign, SIGNER)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(sign, {**SIGNER, "title": "Head Archivist"})  # new details: the first link is out of date
    first = re.search(r"http://testserver(/confirm/\S+/)", mailoutbox[0].body).group(1)
    changed = client.get(first)
    assert changed.status_code == 409
    check(changed, *data)
    settings.CONFIRM_TOKEN_MAX_AGE = -1
    latest = re.search(r"http://testserver(/confirm/\S+/)", mailoutbox[-1].body).group(1)
    expired = client.get(latest)
    assert expired.status_code == 410
    check(expired, *data)

    check(Client().get(reverse("signatures:check_email", args=[letter.slug])), *data)  # without the cookie
    refused = client.post(sign, SIGNER, HTTP_SEC_FETCH_SITE="cross-site")
    assert refused.status_code == 403
    check(refused, *data)
    check(ratelimited(rf.get("/")), *data)
    check(render_to_string("500.html"), *data)
