"""A launch in a real browser (Debian's Chromium, the harness of tests/test_journeys.py): an
organizer invites two people while the letter is collecting, they sign and confirm, the
organizer approves them and gives a journalist a preview under embargo, then makes the letter
live, and a reader sees both names at once."""

import re

from django.urls import reverse

from letter.models import Invitation, Letter
from signatures.models import Signature
from tests.factories import LetterFactory
from tests.test_journeys import DESKTOP, PHONE, browser, journey, log_in, make_moderator_with_totp, pytestmark

__all__ = ["browser", "journey", "pytestmark"]  # the harness's fixtures and marks, used here


def sign_by_invitation(j, link, name, email, organization, mailoutbox):
    page = j.page
    page.goto(link)
    assert page.get_by_text("You are invited to sign before this letter is public").is_visible()
    j.check(f"invitation-{name.split()[0].lower()}")
    page.fill("#id_name", name)
    page.fill("#id_email", email)
    page.fill("#id_organization", organization)
    page.get_by_role("button", name="Sign the letter").click()
    page.wait_for_url("**/check-your-email/")
    confirm = re.search(r"(http://\S+/confirm/\S+/)", [m for m in mailoutbox if m.to == [email]][-1].body).group(1)
    page.goto(confirm)
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url("**/confirmed/")


def test_collect_by_invitation_preview_as_press_publish_and_the_list_appears_at_once(
    journey, live_server, mailoutbox, settings
):
    settings.SITE_URL = live_server.url
    settings.MODERATORS_REQUIRE_MFA = True
    user, secret = make_moderator_with_totp()
    letter = LetterFactory(state=Letter.State.COLLECTING, is_primary=True, title="A letter under embargo")

    # The organizer makes one invitation link per invitee on the launch page.
    organizer = journey(DESKTOP, "organizer")
    page = organizer.page
    log_in(organizer, user.email, secret)
    page.get_by_role("link", name="Letters").click()
    page.get_by_role("link", name=letter.title).click()
    assert page.locator(".launch-state").inner_text().startswith("State: Collecting")
    links = {}
    for invitee in ("Ada Invited", "Ben Invited"):
        page.get_by_label("Invitee or group").fill(invitee)
        page.get_by_label("Signatures it allows").fill("1")
        page.get_by_role("button", name="Make an invitation link").click()
        page.wait_for_load_state("load")
        links[invitee] = page.get_by_label(f"Invitation link for {invitee}", exact=True).input_value()
    organizer.check("launch-page")

    # Nothing is public yet.
    reader = journey(PHONE, "reader")
    assert reader.page.goto("/").status == 404
    assert reader.page.goto(reverse("signatures:list", args=[letter.slug])).status == 404

    # Each invitee signs through their own link and confirms by email.
    for name, email, organization in (
        ("Ada Invited", "ada@example.org", "Example Security"),
        ("Ben Invited", "ben@example.org", "Sample Research"),
    ):
        invitee = journey(PHONE, name.split()[0].lower())
        sign_by_invitation(invitee, links[name], name, email, organization, mailoutbox)
        # A personal link works once.
        assert invitee.page.goto(links[name]).status == 410
    assert list(Invitation.objects.order_by("label").values_list("uses", flat=True)) == [1, 1]
    assert Signature.objects.filter(letter=letter, status=Signature.Status.VERIFIED).count() == 2

    # The organizer approves both in the queue.
    page.goto("/moderation/")
    for name in ("Ada Invited", "Ben Invited"):
        page.locator("tr", has_text=name).get_by_role("button", name="Approve").click()
        page.wait_for_load_state("load")
    assert Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED).count() == 2

    # A journalist's preview: the letter and both names, marked as embargoed.
    page.goto(reverse("moderation:launch", args=[letter.pk]))
    page.get_by_label("Journalist or newsroom").fill("Example Newsroom")
    page.get_by_role("button", name="Make a preview link").click()
    page.wait_for_load_state("load")
    preview_link = page.get_by_label("Preview link for Example Newsroom", exact=True).input_value()
    press = journey(DESKTOP, "press")
    response = press.page.goto(preview_link)
    assert "no-store" in response.headers["cache-control"] and response.headers["x-robots-tag"] == "noindex"
    assert press.page.get_by_text("Embargoed until further notice").is_visible()
    assert press.page.locator(".signatory").count() == 2
    press.check("press-preview")
    assert reader.page.goto("/").status == 404  # still nothing public

    # Publish: every vetted name appears at once.
    page.goto(reverse("moderation:launch", args=[letter.pk]))
    page.get_by_role("button", name="Make live now").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("The letter is now live.").is_visible()
    organizer.check("launch-live")
    assert reader.page.goto("/").status == 200
    assert reader.page.locator(".count-number").inner_text() == "2"
    reader.check("letter-live")
    reader.page.goto(reverse("signatures:list", args=[letter.slug]))
    listed = reader.page.locator(".signatory").all_inner_texts()
    assert any("Ada Invited" in text for text in listed) and any("Ben Invited" in text for text in listed)
    reader.check("list-live")


def test_a_signer_corrects_their_signature_from_the_email_link(journey, live_server, mailoutbox, settings):
    from moderation.services.decisions import signature_approve

    settings.SITE_URL = live_server.url
    settings.NOTIFY_SIGNER_ON_APPROVAL = True
    letter = LetterFactory(is_primary=True)
    signer = journey(PHONE, "signer")
    page = signer.page
    page.goto("/")
    page.fill("#id_name", "Cora Corrected")
    page.fill("#id_email", "cora@example.org")
    page.fill("#id_title", "Intern")
    page.fill("#id_organization", "Big Corp")
    page.get_by_role("button", name="Sign the letter").click()
    page.wait_for_url("**/check-your-email/")
    page.goto(re.search(r"(http://\S+/confirm/\S+/)", mailoutbox[-1].body).group(1))
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url("**/confirmed/")
    signature_approve(signature_id=Signature.objects.get(email_normalized="cora@example.org").pk, moderator=None)

    # The approval email's link opens "your signature".
    link = re.search(r"See, correct or withdraw your signature[^\n]*\n\n(http://\S+)", mailoutbox[-1].body).group(1)
    page.goto(link)
    assert "Public: your name is on the list" in page.locator(".status").inner_text()
    signer.check("your-signature")

    # Marking the affiliation keeps the name public, with the words beside it.
    page.get_by_label("My affiliation is for identification only").check()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**?saved=1")
    page.goto(reverse("signatures:list", args=[letter.slug]))
    assert "(affiliation for identification only)" in page.locator(".signatory", has_text="Cora Corrected").inner_text()
    signer.check("list-identification-only")

    # A new title goes back to the moderators: the name leaves the list until they approve it.
    page.goto(link)
    page.get_by_label("Title or role").fill("Chief Scientist")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**?saved=1")
    assert page.get_by_text("A moderator will review them before they are public").is_visible()
    signer.check("your-signature-saved")
    page.goto(reverse("signatures:list", args=[letter.slug]))
    assert page.locator(".signatory", has_text="Cora Corrected").count() == 0
