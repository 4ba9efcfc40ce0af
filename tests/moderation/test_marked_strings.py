"""Every word the moderator side says goes through Django's translation machinery: the login and
two-factor pages, the queue, a signature's page, the watchlist, the launch, updates and
deliveries pages, and the messages after each decision.

As in tests/test_marked_strings.py, pages are rendered under a pseudo-language that wraps each
translated string in ⟦ ⟧; English left outside the brackets is data or a string nobody marked."""

import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.translation import trans_real

from letter.models import Letter
from signatures.models import WatchlistEntry
from signatures.services.signing import DISPOSABLE_REASON, VARIANT_REASON
from tests.factories import ApprovedSignatureFactory, LetterFactory, RejectedSignatureFactory, VerifiedSignatureFactory
from tests.signatures.test_transparency import TEST_KEY
from tests.support.totp import totp
from tests.test_marked_strings import Bracketed, bracketed, check  # noqa: F401 (bracketed: a fixture)

PASSWORD = "a long password 123"
EMAIL = "warden@example.org"
# The signers and what moderators typed: data, shown as it is in every language.
DATA = [
    "Vera Lantern",
    "Acme Corp",
    "Chief Technology Officer",
    "Otto Basil",
    "Rita Marsh",
    "Famous Person",
    "acme-corp.com",
    "gmail.com",
    "mailinator.com",
    "Called them",
    "Staff page",
    "Everyone",
    "Newsroom",
    "Handed over",
    "Ministry",
    "By hand",
    "verify_list --checkpoint",
    "load_watchlist FILE",
    ".venv/bin/python manage.py",
]


@pytest.fixture
def moderator_client(db, settings, bracketed):  # noqa: F811
    """A moderator with two-factor, logged in through the real two steps, and what the pages show
    on the way (login, second step, the first page after it), in the pseudo-language."""
    settings.TLOG_SIGNING_KEY = TEST_KEY
    settings.TLOG_KEY_NAME = ""
    call_command("add_moderator", EMAIL, "--no-email", stdout=io.StringIO())
    user = get_user_model().objects.get(email=EMAIL)
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.filter(user=user).update(verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    client = Client()
    client.pages = []
    client.pages.append(client.get("/accounts/login/"))
    client.pages.append(client.post("/accounts/login/", {"login": EMAIL, "password": "wrong"}))
    assert client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD}).status_code == 302
    client.pages.append(client.get("/accounts/2fa/authenticate/"))
    client.pages.append(client.post("/accounts/2fa/authenticate/", {"code": "000000"}))
    done = client.post("/accounts/2fa/authenticate/", {"code": totp(secret)}, follow=True)
    client.pages.append(done)  # "You are logged in as …"
    return client


def after(client, path, data=None):
    """The page a POST leads to, with the message it left."""
    response = client.post(path, data or {})
    assert response.status_code in (302, 400, 503), response.status_code
    return client.get(response["Location"]) if response.status_code == 302 else response


@pytest.mark.django_db
def test_the_account_and_two_factor_pages_are_all_translated_text(bracketed, moderator_client):  # noqa: F811
    client = moderator_client
    for page in client.pages:
        check(page, EMAIL, *DATA)
    anonymous = Client()
    check(anonymous.get("/accounts/signup/"), *DATA)
    check(anonymous.get("/accounts/password/reset/key/done/"), *DATA)
    check(client.get("/accounts/2fa/"), *DATA)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    unused = RecoveryCodes(Authenticator.objects.get(type=Authenticator.Type.RECOVERY_CODES)).get_unused_codes()
    check(codes, *unused, *DATA)
    check(client.get("/accounts/logout/"), *DATA)
    check(client.get(client.post("/accounts/logout/")["Location"]), *DATA)  # "You have logged out."


@pytest.mark.django_db
def test_the_queue_a_signature_and_every_decisions_message_are_all_translated_text(
    bracketed,  # noqa: F811
    moderator_client,
):
    client = moderator_client
    letter = LetterFactory(title="Open the models")
    data = (letter.title, letter.slug, *DATA)
    vera = VerifiedSignatureFactory(
        letter=letter,
        name="Vera Lantern",
        email="vera@acme-corp.com",
        title="Chief Technology Officer",
        organization="Acme Corp",
        suspicious_reasons=[VARIANT_REASON, "Posted without loading the sign form"],
    )
    otto = ApprovedSignatureFactory(letter=letter, name="Otto Basil", email="otto@gmail.com", title="", organization="")
    rita = RejectedSignatureFactory(
        letter=letter,
        name="Rita Marsh",
        email="rita@mailinator.com",
        title="",
        organization="",
        suspicious_reasons=[DISPOSABLE_REASON, "Burst: 12 signatures from one network within 10 minutes"],
    )
    famous = VerifiedSignatureFactory(
        letter=letter, name="Famous Person", email="famous@gmail.com", title="", organization=""
    )
    VerifiedSignatureFactory(letter=letter, name="Famous Person", email="famous@example.net", title="", organization="")
    check(after(client, "/moderation/watchlist/add/", {"name": "Famous Person", "note": ""}), *data)

    for status in ("awaiting", "approved", "rejected", "featured", "suspicious", "unconfirmed", "all"):
        check(client.get("/moderation/", {"status": status}), *data)
    check(client.get("/moderation/", {"q": "nobody here"}), "nobody here", *data)
    for signature in (vera, otto, rita, famous):
        check(client.get(f"/moderation/{signature.pk}/"), *data)

    check(after(client, f"/moderation/{famous.pk}/approve/", {"note": ""}), *data)  # on the watchlist
    check(after(client, f"/moderation/{famous.pk}/approve/", {"note": "Called them"}), *data)
    check(after(client, f"/moderation/{famous.pk}/approve/", {"note": "Called them"}), *data)  # nothing changed
    check(after(client, f"/moderation/{vera.pk}/approve/", {"note": "x" * 2001}), *data)
    check(after(client, f"/moderation/{otto.pk}/feature/"), *data)
    check(after(client, f"/moderation/{otto.pk}/unfeature/"), *data)
    check(after(client, f"/moderation/{rita.pk}/feature/"), *data)  # only approved ones
    check(after(client, f"/moderation/{otto.pk}/edit/", {"title": "x" * 200, "organization": ""}), *data)
    check(after(client, f"/moderation/{otto.pk}/edit/", {"title": "", "organization": ""}), *data)  # nothing changed
    check(
        after(client, f"/moderation/{otto.pk}/edit/", {"title": "Chief Technology Officer", "organization": ""}), *data
    )
    rejected = after(client, f"/moderation/{otto.pk}/reject/", {"reason": "", "next": "/moderation/"})
    check(rejected, *data)  # the undo offer
    undo = rejected.content.decode().split('action="/moderation/undo-reject/', 1)[1].split('"', 1)[0]
    check(after(client, f"/moderation/undo-reject/{undo}"), *data)
    check(after(client, f"/moderation/undo-reject/{undo}"), *data)  # too late now
    check(after(client, "/moderation/999999/approve/"), *data)  # no such signature

    confirm = f"/moderation/{vera.pk}/confirm-domain/"
    # The audit row of a confirmation keeps its note as written: a record, not the site's text.
    data = (*data, "acme-corp.com confirmed for Acme Corp: Staff page")
    check(after(client, confirm, {"organization": "", "domain": "", "evidence": ""}), *data)
    check(after(client, confirm, {"organization": "Acme Corp", "domain": "gmail.com", "evidence": "Staff page"}), *data)
    check(
        after(client, confirm, {"organization": "Acme Corp", "domain": "co.uk", "evidence": "Staff page"}),
        "co.uk",
        *data,
    )
    check(
        after(client, confirm, {"organization": "Acme Corp", "domain": "acme-corp.com", "evidence": "Staff page"}),
        *data,
    )
    again = {"organization": "Acme Corp", "domain": "acme-corp.com", "evidence": "Staff page"}
    check(after(client, confirm, again), *data)  # already confirmed
    check(after(client, confirm, {**again, "organization": "Otto Basil"}), *data)  # someone else's domain
    check(client.get(f"/moderation/{vera.pk}/"), *data)

    check(after(client, "/moderation/bulk/", {"action": "approve", "scope": "selected"}), *data)
    check(after(client, "/moderation/bulk/", {"action": "zap", "scope": "selected", "ids": [vera.pk]}), *data)
    for action in ("approve", "reject", "feature", "unfeature"):
        check(after(client, "/moderation/bulk/", {"action": action, "scope": "matching", "status": "all"}), *data)


@pytest.mark.django_db
def test_the_watchlist_and_the_organizers_pages_are_all_translated_text(bracketed, moderator_client):  # noqa: F811
    client = moderator_client
    check(client.get("/moderation/watchlist/"), *DATA)  # empty
    check(after(client, "/moderation/watchlist/add/", {"name": "", "note": ""}), *DATA)
    check(after(client, "/moderation/watchlist/add/", {"name": "!!!", "note": ""}), *DATA)
    check(after(client, "/moderation/watchlist/add/", {"name": "Famous Person", "note": "x" * 301}), *DATA)
    check(after(client, "/moderation/watchlist/add/", {"name": "Famous Person", "note": "Called them"}), *DATA)
    check(after(client, "/moderation/watchlist/add/", {"name": "famous person", "note": ""}), "famous person", *DATA)
    check(client.get("/moderation/watchlist/", {"q": "nobody here"}), "nobody here", *DATA)
    entry = WatchlistEntry.objects.get()
    check(after(client, f"/moderation/watchlist/{entry.pk}/remove/"), *DATA)

    letter = LetterFactory(title="Open the models", state=Letter.State.DRAFT)
    data = (letter.title, letter.slug, *DATA)
    check(client.get("/moderation/letters/"), *data)
    page = f"/moderation/letters/{letter.pk}/"
    check(client.get(page), *data)
    check(after(client, f"{page}schedule/", {"go_live_at": "2030-01-01T10:00"}), *data)
    check(after(client, f"{page}schedule/", {"go_live_at": ""}), *data)
    check(after(client, f"{page}invitations/", {"invitation-label": "Everyone", "invitation-max_uses": ""}), *data)
    check(after(client, f"{page}invitations/", {"invitation-label": "Otto Basil", "invitation-max_uses": "1"}), *data)
    check(after(client, f"{page}previews/", {"preview-label": "Newsroom", "preview-days": "7"}), *data)
    check(after(client, f"{page}state/", {"state": "collecting"}), *data)
    check(after(client, f"{page}previews/", {"preview-label": "Newsroom", "preview-days": "1"}), *data)
    letter.press_previews.filter(pk=letter.press_previews.order_by("pk").last().pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    check(client.get(page), *data)  # an expired preview, a schedule, the history
    invitation = letter.invitations.first()
    check(after(client, f"/moderation/invitations/{invitation.pk}/revoke/"), *data)
    preview = letter.press_previews.order_by("pk").first()
    check(after(client, f"/moderation/previews/{preview.pk}/expire/"), *data)
    for state in ("live", "closed", "live"):
        check(after(client, f"{page}state/", {"state": state}), *data)

    updates = f"/moderation/letters/{letter.pk}/updates/"
    check(client.get(updates), *data)
    check(after(client, f"{updates}publish/", {"title": "", "body_markdown": ""}), *data)
    check(
        after(client, f"{updates}publish/", {"title": "Handed over", "body_markdown": "Today.", "email_signers": "on"}),
        "Today",
        *data,
    )
    check(after(client, f"{updates}publish/", {"title": "Handed over", "body_markdown": "Today."}), "Today", *data)

    deliveries = f"/moderation/letters/{letter.pk}/deliveries/"
    check(client.get(deliveries), *data)
    check(after(client, f"{deliveries}record/", {}), *data)
    record = {"delivered_at": "2026-06-02T10:30", "recipient": "Ministry", "method": "By hand", "note": "Handed over"}
    check(after(client, f"{deliveries}record/", record), *data)


@pytest.mark.django_db
def test_the_audit_csv_stays_english_for_a_moderator_reading_another_language(mod_client_factory, monkeypatch):
    """Its headers and values are data that scripts read; its sentences stay in their language.
    Spanish is the bracketing pseudo-language here, English the real one."""
    english = trans_real.translation
    spanish = Bracketed()
    monkeypatch.setattr(trans_real, "translation", lambda code: spanish if code == "es" else english(code))
    client = mod_client_factory()
    signature = VerifiedSignatureFactory(name="Vera Lantern", title="Chief Technology Officer", organization="")
    client.post(f"/moderation/{signature.pk}/edit/", {"title": "Chief Technology Officer", "organization": "Acme Corp"})

    page = client.get(f"/moderation/{signature.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "⟦Organization⟧: ⟦(empty)⟧ → ⟦“Acme Corp”⟧" in page  # the page is in the moderator's language
    response = client.get("/moderation/audit.csv", HTTP_ACCEPT_LANGUAGE="es")
    text = b"".join(response.streaming_content).decode()
    assert "⟦" not in text
    assert ",Vera Lantern,Organization: (empty) → “Acme Corp”." in text
