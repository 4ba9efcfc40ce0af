"""A person in a real browser (Debian's Chromium driven by Playwright): signs, confirms, and
meets no Content Security Policy violation on any page."""

import re
import shutil

import pytest

from signatures.models import Signature
from tests.factories import ApprovedSignatureFactory, LetterFactory
from tests.support.services import require_service

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(monkeypatch):
    require_service("Chromium", shutil.which("chromium") is not None, "install Debian's chromium package")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls in these tests are
    # still synchronous, so Django's async guard is lifted for them only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page()
        page.csp_errors = []
        page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
        yield page
        browser.close()


def test_a_person_signs_and_confirms_in_a_browser(browser_page, live_server, mailoutbox, settings):
    settings.SITE_URL = live_server.url
    letter = LetterFactory(title="Browser letter", is_primary=True)
    page = browser_page
    page.goto(live_server.url + "/")
    page.fill("#id_name", "Brianna Browser")
    page.fill("#id_email", "brianna@example.org")
    page.fill("#id_organization", "Example Org")
    page.click("text=Sign the letter")
    page.wait_for_url("**/check-your-email/")
    assert "Check your email" in page.content()

    signature = Signature.objects.get(letter=letter)
    assert signature.suspicious_reasons == []
    link = re.search(r"(http://\S+/confirm/\S+/)", mailoutbox[0].body).group(1)
    page.goto(link)
    page.click("text=Confirm my signature")
    page.wait_for_url("**/confirmed/")
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED
    assert page.csp_errors == []


def test_invalid_input_is_shown_beside_the_field(browser_page, live_server):
    letter = LetterFactory(is_primary=True)
    page = browser_page
    page.goto(live_server.url + letter.get_absolute_url())
    page.fill("#id_name", "Visit www.spam.example")
    page.fill("#id_email", "nope")
    page.click("text=Sign the letter")
    assert "Please enter just your name" in page.locator("#id_name_error").inner_text()
    assert "valid email" in page.locator("#id_email_error").inner_text()
    assert page.input_value("#id_name") == "Visit www.spam.example"  # nothing typed is lost


def test_no_page_breaks_the_content_security_policy(browser_page, live_server):
    letter = LetterFactory(is_primary=True)
    ApprovedSignatureFactory(letter=letter, featured=True)
    page = browser_page
    for path in [
        "/",
        f"/letters/{letter.slug}/signatures/",
        f"/letters/{letter.slug}/press/",
        "/verification/",
        "/accounts/login/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
    assert page.csp_errors == []
