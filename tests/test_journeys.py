"""Whole journeys in a real browser (Debian's Chromium driven by Playwright), as the people who
use the site make them: a signer on a 375 px phone, a volunteer moderator on a desktop.

Every page a journey visits is checked the same way (`Journey.check`): axe-core finds no
accessibility violation, every `aria-describedby` points at an element that exists, nothing
overflows the screen sideways, the Content Security Policy blocked nothing, and a screenshot is
taken (into the test's tmp dir; with README_SCREENSHOTS=1 the README's ones go to docs/ too).

axe-core comes from npm into tests/browser_support/ (`make install`).
"""

import io
import os
import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.utils import timezone

from signatures.models import Signature, WatchlistEntry
from tests.factories import ApprovedSignatureFactory, LetterFactory, VerifiedSignatureFactory
from tests.support.totp import totp

try:
    from tests.support.services import require_service
except ImportError:  # before the test helpers moved out of conftest
    from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "browser_support" / "node_modules" / "axe-core" / "axe.min.js"
DOCS = ROOT / "docs"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a-long-moderator-password"


def demo_letter(**fields):
    """The demo letter's real text (demo/letter.md): a page as long as a real letter's."""
    title, _, body = (ROOT / "demo" / "letter.md").read_text().partition("\n")
    return LetterFactory(title=title.removeprefix("# ").strip(), body=body.strip(), is_primary=True, **fields)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Journey:
    """One person's browser tab, and the checks made on every page it shows."""

    def __init__(self, page, shots: Path):
        self.page = page
        self.shots = shots
        self.csp_errors = []
        self.visited = []
        page.on("console", lambda m: "Content Security Policy" in m.text and self.csp_errors.append(m.text))

    def check(self, name: str, readme: str | None = None) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.visited.append(page.url)
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document);
                return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ` +
                    v.nodes.map(n => n.target.join(" ")).join(", "));
            }"""
        )
        assert violations == [], f"axe on {name} ({page.url}):\n" + "\n".join(violations)
        dangling = page.evaluate(
            """() => [...document.querySelectorAll("[aria-describedby]")].flatMap(el =>
                el.getAttribute("aria-describedby").split(/\\s+/).filter(id => id && !document.getElementById(id))
                  .map(id => `${el.id || el.tagName} -> #${id}`))"""
        )
        assert dangling == [], f"aria-describedby points nowhere on {name}: {dangling}"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than the {page.viewport_size['width']}px screen"
        assert self.csp_errors == [], f"CSP blocked something on {name}: {self.csp_errors}"
        page.screenshot(path=self.shots / f"{len(self.visited):02d}-{name}.png", full_page=True)
        if readme and os.environ.get("README_SCREENSHOTS"):
            # The screen as the person sees it at this step (after an error: the focused summary).
            page.screenshot(path=DOCS / readme)

    def focused(self) -> dict:
        return self.page.evaluate(
            "() => ({id: document.activeElement.id, tag: document.activeElement.tagName,"
            " summary: document.activeElement.hasAttribute('data-error-summary')})"
        )


@pytest.fixture
def browser(monkeypatch):
    require_service("Chromium", shutil.which("chromium") is not None, "install Debian's chromium package")
    require_service("axe-core", AXE.exists(), "run `make install` (npm ci in tests/browser_support)")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls in these tests are
    # still synchronous, so Django's async guard is lifted for them only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def journey(browser, tmp_path, live_server):
    """Open a tab of the given size; axe-core is injected into every page it loads (an init script
    is not subject to the page's CSP, so the policy stays exactly what visitors get)."""

    def open_tab(viewport, name, locale=None):
        # `locale` also sets the browser's Accept-Language, as a phone set to that language does.
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale=locale)
        context.add_init_script(script=AXE.read_text())
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        shots = tmp_path / name
        shots.mkdir()
        return Journey(context.new_page(), shots)

    return open_tab


def test_a_signer_on_a_phone_reads_signs_fixes_an_error_confirms_and_shares(journey, live_server, mailoutbox, settings):
    settings.SITE_URL = live_server.url
    settings.FORM_MIN_SECONDS = 0  # this person types faster than the bot trap allows
    letter = demo_letter(addressees="AI export regulators and lawmakers")
    ApprovedSignatureFactory(
        letter=letter, name="Ada Example", title="CISO", organization="Example Health", featured=True
    )
    ApprovedSignatureFactory(
        letter=letter, name="Bruno Sample", title="Maintainer", organization="A Very Long Organization Name Ltd"
    )
    j = journey(PHONE, "signer")
    page = j.page

    page.goto("/")
    j.check("letter", readme="phone-letter.png")
    # The first screen invites them to sign...
    cta = page.get_by_role("link", name="Sign this letter")
    box = cta.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "the call to action is not in the first screen"
    # ... and on a phone the form comes before the lists of who signed.
    form_top = page.locator("#sign").bounding_box()["y"]
    assert form_top < page.get_by_role("heading", name="Featured signatories").bounding_box()["y"]
    assert form_top < page.get_by_role("heading", name="Recently added").bounding_box()["y"]
    cta.click()
    page.wait_for_url("**#sign")
    assert page.get_by_role("heading", name="Add your name").is_visible()
    optional = page.locator("label[for=id_organization]").inner_text()
    assert "(optional)" in optional and "(optional)" not in page.locator("label[for=id_name]").inner_text()

    # A typo in the email: the error summary at the top of the form takes focus and links to it.
    page.fill("#id_name", "Brianna Browser")
    page.fill("#id_email", "brianna@example")
    page.fill("#id_organization", "Example Org")
    page.get_by_role("button", name="Sign the letter").click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Error: ")
    page.wait_for_function("document.activeElement.hasAttribute('data-error-summary')")
    summary = page.locator("[data-error-summary]")
    assert "There is a problem" in summary.inner_text()
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    j.check("sign-error", readme="phone-sign-error.png")
    summary.get_by_role("link", name=re.compile("valid email")).click()
    assert j.focused()["id"] == "id_email"
    assert page.input_value("#id_name") == "Brianna Browser"  # nothing typed is lost

    page.fill("#id_email", "brianna@example.org")
    page.get_by_role("button", name="Sign the letter").click()
    page.wait_for_url("**/check-your-email/")
    assert page.get_by_role("heading", name="Check your email").is_visible()
    assert not page.title().startswith("Error")
    # The address this browser typed, so a typo can be spotted, and when a new link can be had.
    assert page.locator(".sent-to").inner_text() == "brianna@example.org"
    assert re.search(r"From \d\d:\d\d:\d\d UTC", page.locator("main").inner_text())
    j.check("check-email", readme="phone-check-email.png")

    signature = Signature.objects.get(letter=letter, email_normalized="brianna@example.org")
    link = re.search(r"(http://\S+/confirm/\S+/)", mailoutbox[-1].body).group(1)
    page.goto(link)
    assert "Brianna Browser" in page.content()
    j.check("confirm")
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url("**/confirmed/")
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED

    # Sharing is the natural next step: the letter's address, and a button that copies it.
    letter_url = live_server.url + letter.get_absolute_url()
    assert page.get_by_text(letter_url).is_visible()
    page.get_by_role("button", name=re.compile("Copy link")).click()
    status = page.get_by_role("status")
    status.filter(has_text="Link copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == letter_url
    j.check("confirmed", readme="phone-confirmed.png")


def test_a_spanish_reader_on_a_phone_reads_signs_and_confirms_in_spanish(journey, live_server, mailoutbox, settings):
    from django.utils import translation

    settings.SITE_URL = live_server.url
    letter = demo_letter()
    spanish_text = ROOT / "demo" / "letter.es.md"
    call_command("load_letter", str(spanish_text), "--slug", letter.slug, "--language", "es", stdout=io.StringIO())
    spanish_title = spanish_text.read_text().partition("\n")[0].removeprefix("# ")
    with translation.override("es"):
        words = {english: translation.gettext(english) for english in ("Sign the letter", "Check your email")}
        words["Confirm my signature"] = translation.gettext("Confirm my signature")
    assert all(spanish != english for english, spanish in words.items()), "locale/es lacks these words"

    j = journey(PHONE, "spanish", locale="es-ES")
    page = j.page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == spanish_title
    j.check("letter-es", readme="phone-letter-es.png")

    page.fill("#id_name", "Lucía Navegador")
    page.fill("#id_email", "lucia@example.org")
    page.get_by_role("button", name=words["Sign the letter"]).click()
    page.wait_for_url("**/check-your-email/")
    assert page.get_by_role("heading", name=words["Check your email"]).is_visible()
    j.check("check-email-es")

    message = mailoutbox[-1]
    assert message.extra_headers["Content-Language"] == "es" and spanish_title in message.subject
    page.goto(re.search(r"(http://\S+/confirm/\S+/)", message.body).group(1))
    j.check("confirm-es")
    page.get_by_role("button", name=words["Confirm my signature"]).click()
    page.wait_for_url("**/confirmed/")
    j.check("confirmed-es")
    signature = Signature.objects.get(letter=letter, email_normalized="lucia@example.org")
    assert (signature.status, signature.language, signature.version.language) == (Signature.Status.VERIFIED, "es", "es")

    # The switcher at the top: back to English, and the choice stays on the next page.
    page.goto("/")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == letter.title
    j.check("letter-en-by-switcher")
    page.goto(letter.get_absolute_url() + "signatures/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_keyboard_user_reaches_the_form_in_a_few_key_presses(journey, live_server):
    letter = demo_letter()
    ApprovedSignatureFactory(letter=letter, name="Ada Example", title="CISO", organization="Example Health")
    j = journey(DESKTOP, "keyboard")
    page = j.page
    page.goto("/")
    j.check("letter", readme="desktop-letter.png")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the sign form"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert j.focused()["id"] == "id_name"


def make_moderator_with_totp(email="mod@example.org"):
    """A moderator as add_moderator makes one, who has set up an authenticator app."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    # A transactional test starts from an emptied database: the data migration's group is gone.
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(codename="moderate_signature"))
    call_command("add_moderator", email, "--no-email", stdout=io.StringIO())
    user = get_user_model().objects.get(email=email)
    user.set_password(PASSWORD)
    user.save()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return user, secret


def log_in(j: Journey, email: str, secret: str, readme: str | None = None) -> None:
    page = j.page
    page.goto("/moderation/")
    page.wait_for_url("**/accounts/login/**")
    assert page.get_by_role("heading", name="Log in").is_visible()
    assert "sign up" not in page.content().lower()
    j.check("login", readme=readme)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    j.check("two-factor")
    for _ in range(2):  # a code typed as the 30 s window closes is refused; a person types the next one
        page.get_by_label(re.compile("code", re.I)).fill(totp(secret))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        if "/moderation/" in page.url:
            break
        time.sleep(1)
    page.wait_for_url("**/moderation/")


def test_a_moderator_logs_in_with_a_real_code_approves_undoes_a_reject_and_keeps_the_watchlist(
    journey, live_server, settings
):
    settings.MODERATORS_REQUIRE_MFA = True
    user, secret = make_moderator_with_totp()
    letter = LetterFactory(is_primary=True)
    good = VerifiedSignatureFactory(letter=letter, name="Grace Genuine", organization="Example Health")
    slip = VerifiedSignatureFactory(letter=letter, name="Sam Solid", organization="Sample Utilities")
    famous = VerifiedSignatureFactory(letter=letter, name="Famous Person", organization="Somewhere Big")
    j = journey(DESKTOP, "moderator")
    page = j.page

    log_in(j, user.email, secret, readme="desktop-login.png")
    j.check("queue", readme="desktop-queue.png")
    assert "Sign Out" not in page.content() and "Sign In" not in page.content()

    page.locator("tr", has_text="Grace Genuine").get_by_role("button", name="Approve").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Approved Grace Genuine").is_visible()
    good.refresh_from_db()
    assert good.status == Signature.Status.APPROVED

    # A reject by mistake: the page offers to take it back, and taking it back restores the state.
    page.locator("tr", has_text="Sam Solid").get_by_role("button", name="Reject").click()
    page.wait_for_load_state("load")
    slip.refresh_from_db()
    assert slip.status == Signature.Status.REJECTED
    offer = page.locator("form.undo")
    assert "Rejected Sam Solid" in offer.inner_text()
    j.check("undo-offer", readme="desktop-undo.png")
    offer.get_by_role("button", name="Undo reject").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Reject undone").is_visible()
    slip.refresh_from_db()
    assert slip.status == Signature.Status.VERIFIED
    assert page.locator("tr", has_text="Sam Solid").count() == 1  # back in the queue

    # The watchlist: add a well-known name, see it hold that signature back, remove another.
    page.get_by_role("link", name="Watchlist").first.click()
    page.wait_for_url("**/moderation/watchlist/")
    page.get_by_label("Name").fill("Famous Person")
    page.get_by_label("Note").fill("Their office: press@example.org")
    page.get_by_role("button", name="Add to the watchlist").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Added Famous Person to the watchlist.").is_visible()
    page.get_by_label("Name").fill("Someone Else Famous")
    page.get_by_role("button", name="Add to the watchlist").click()
    page.wait_for_load_state("load")
    j.check("watchlist", readme="desktop-watchlist.png")
    page.get_by_role("button", name="Remove Someone Else Famous from the watchlist").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Removed Someone Else Famous from the watchlist.").is_visible()
    assert page.locator("table.watchlist").get_by_text("Famous Person", exact=True).is_visible()
    assert WatchlistEntry.objects.filter(name="Famous Person").exists()
    assert not WatchlistEntry.objects.filter(name="Someone Else Famous").exists()

    page.goto("/moderation/")
    assert "On the watchlist" in page.locator("tr", has_text="Famous Person").inner_text()
    page.locator("tr", has_text="Famous Person").get_by_role("link", name="Famous Person").click()
    page.get_by_label(re.compile("How did you check")).fill("Called their office, they confirmed.")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_load_state("load")
    famous.refresh_from_db()
    assert famous.status == Signature.Status.APPROVED
    assert famous.verification == Signature.Verification.MODERATOR

    page.goto(f"/moderation/{good.pk}/")
    j.check("detail", readme="desktop-detail.png")
    log = page.locator("table.audit")
    assert "Status: Email confirmed, awaiting review → Approved (public)." in log.inner_text()
    assert "{" not in log.inner_text()  # sentences, not the stored dicts
    assert user.email in log.inner_text()
    assert page.locator("dt", has_text="Status").count() == 1

    page.goto("/accounts/2fa/")
    j.check("two-factor-settings")
    page.goto("/accounts/2fa/recovery-codes/")
    if "/reauthenticate/" in page.url:  # allauth asks for the password again first
        j.check("reauthenticate")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url("**/2fa/recovery-codes/")
    assert page.get_by_text("Store them somewhere safe").is_visible()
    assert page.get_by_role("link", name=re.compile("go to the moderation queue")).is_visible()
    j.check("recovery-codes")

    page.get_by_role("link", name="Log out").first.click()
    page.wait_for_load_state("load")
    j.check("logout")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("You have logged out").is_visible()
    j.check("logged-out")


def test_the_moderation_queue_works_on_a_phone(journey, live_server, settings):
    settings.MODERATORS_REQUIRE_MFA = True
    user, secret = make_moderator_with_totp()
    letter = LetterFactory(is_primary=True)
    VerifiedSignatureFactory(
        letter=letter,
        name="Maximilian Alexander Featherstonehaugh-Smythe",
        organization="The International Organization for Very Long Names and Titles",
        link="https://example.org/people/maximilian-alexander-featherstonehaugh-smythe/profile",
    )
    signature = VerifiedSignatureFactory(letter=letter, name="Pat Phone")
    j = journey(PHONE, "moderator-phone")
    page = j.page
    log_in(j, user.email, secret)
    j.check("queue", readme="phone-queue.png")
    approve = page.locator("tr", has_text="Pat Phone").get_by_role("button", name="Approve")
    box = approve.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    approve.click()
    page.wait_for_load_state("load")
    signature.refresh_from_db()
    assert signature.status == Signature.Status.APPROVED
    page.goto(f"/moderation/{signature.pk}/")
    j.check("detail")
    page.goto("/moderation/watchlist/")
    j.check("watchlist")


def test_every_public_page_fits_a_phone_and_passes_axe(journey, live_server):
    """Badges, filters and the press page's chart at 375 px (issue 12)."""

    letter = demo_letter()
    now = timezone.now()
    for days_ago, n in [(6, 2), (5, 9), (4, 14), (3, 6), (1, 3)]:  # a week of signing for the chart
        for _ in range(n):
            s = ApprovedSignatureFactory(letter=letter)
            Signature.objects.filter(pk=s.pk).update(created_at=now - timedelta(days=days_ago))
    long_org = "The International Association of Extraordinarily Long Organization Names"
    ApprovedSignatureFactory(letter=letter, featured=True, organization=long_org, verification="moderator")
    ApprovedSignatureFactory(letter=letter, name="Zoë Ångström", link="https://example.org/" + "x" * 80)
    j = journey(PHONE, "public")
    for name, path in [
        ("list", f"/letters/{letter.slug}/signatures/"),
        ("list-search", f"/letters/{letter.slug}/signatures/?q=zoe&level=email"),
        ("press", f"/letters/{letter.slug}/press/"),
        ("method", "/verification/"),
        ("login", "/accounts/login/"),
        ("password-reset", "/accounts/password/reset/"),
        ("no-sign-up", "/accounts/signup/"),
    ]:
        response = j.page.goto(path)
        assert response.status == 200, path
        j.check(name, readme="phone-press.png" if name == "press" else None)


def test_the_admin_is_reached_only_through_the_two_step_login(journey, live_server, settings):
    """/admin/ has no login of its own: it sends a staff moderator to the site's login, which
    asks for the authenticator code before the admin opens (issue 9, item 1)."""
    settings.MODERATORS_REQUIRE_MFA = True
    user, secret = make_moderator_with_totp("staff@example.org")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    j = journey(DESKTOP, "admin")
    page = j.page
    page.goto("/admin/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.goto("/admin/")  # the password alone opens nothing: back to the login's steps
    page.wait_for_load_state("load")
    assert "/accounts/" in page.url and page.get_by_text("Site administration").count() == 0
    page.goto("/accounts/2fa/authenticate/")
    for _ in range(2):
        page.get_by_label(re.compile("code", re.I)).fill(totp(secret))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        if "/2fa/authenticate/" not in page.url:
            break
        time.sleep(1)
    page.goto("/admin/")
    assert page.get_by_text("Site administration").is_visible()
