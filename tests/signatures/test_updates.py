"""Updates to signers (issue 13, item 3): consent kept with its time and wording, updates on the
letter page and in the feed, emails only to consenting, confirmed, subscribed signers, in
batches at UPDATES_PER_MINUTE, each with one-click unsubscribe (RFC 8058)."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from signatures.models import UPDATES_CONSENT_TEXT, OutgoingEmail, Signature, Update
from signatures.services import outbox
from signatures.services.signing import signature_withdraw
from signatures.services.updates import signature_unsubscribe, update_publish, updates_send_batch
from signatures.tokens import details_digest, make_confirm_token
from tests.factories import (
    ApprovedSignatureFactory,
    PendingSignatureFactory,
    RejectedSignatureFactory,
    VerifiedSignatureFactory,
)


def consenting(factory=ApprovedSignatureFactory, **kwargs):
    return factory(updates_consent_at=timezone.now(), updates_consent_text=UPDATES_CONSENT_TEXT, **kwargs)


def publish(letter, moderator=None, **kwargs):
    fields = {"title": "Delivered to the ministry", "body_markdown": "We handed it over **today**.", **kwargs}
    return update_publish(letter=letter, moderator=moderator, **fields)


@pytest.mark.django_db
def test_the_consent_box_is_unticked_and_its_time_and_wording_are_kept(
    client, letter, django_capture_on_commit_callbacks
):
    page = client.get(letter.get_absolute_url()).content.decode()
    box = re.search(r'<input type="checkbox" name="updates"[^>]*>', page)
    assert box and "checked" not in box.group(0)
    assert str(UPDATES_CONSENT_TEXT) in page
    url = reverse("signatures:sign", args=[letter.slug])
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"name": "Ann Opted", "email": "ann@example.org", "updates": "on"}).status_code == 303
        assert client.post(url, {"name": "Bob Quiet", "email": "bob@example.org"}).status_code == 303
    ann, bob = Signature.objects.get(name="Ann Opted"), Signature.objects.get(name="Bob Quiet")
    assert before <= ann.updates_consent_at <= timezone.now()
    assert ann.updates_consent_text == UPDATES_CONSENT_TEXT
    assert bob.updates_consent_at is None and bob.updates_consent_text == ""
    # the confirm page says what the link confirms, the request for updates included
    for signer, asked in ((ann, True), (bob, False)):
        token = make_confirm_token(signer.public_id, details_digest(signer))
        page = client.get(reverse("signatures:confirm", args=[token])).content.decode()
        assert ("You also asked for updates" in page) is asked


@pytest.mark.django_db
def test_send_updates_command_queues_a_batch(letter, settings):
    settings.UPDATES_PER_MINUTE = 1
    consenting(letter=letter), consenting(letter=letter)
    publish(letter)
    out = io.StringIO()
    call_command("send_updates", stdout=out)
    assert out.getvalue() == "1 update email(s) queued.\n"
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.UPDATE).count() == 1


@pytest.mark.django_db
def test_an_update_shows_on_the_letter_page_and_in_the_feed_sanitised(
    client, letter, django_capture_on_commit_callbacks
):
    client.get(letter.get_absolute_url())  # the page is cached now
    with django_capture_on_commit_callbacks(execute=True):  # the cached page is dropped after the commit
        publish(letter, title="A <b>bold</b> claim", body_markdown="Text <script>alert(1)</script> and *more*.")
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "Updates" in page and "A &lt;b&gt;bold&lt;/b&gt; claim" in page
    assert "<em>more</em>" in page and "<script>alert(1)" not in page
    feed = client.get(f"/letters/{letter.slug}/feed.atom").content.decode()
    assert "<title>Update: A &lt;b&gt;bold&lt;/b&gt; claim</title>" in feed
    assert "&lt;em&gt;more&lt;/em&gt;" in feed and "<script" not in feed and "&lt;script" not in feed


@pytest.mark.django_db
def test_update_emails_go_only_to_consenting_confirmed_subscribed_signers(
    letter, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://letter.example.org"
    wanted = [consenting(letter=letter), consenting(VerifiedSignatureFactory, letter=letter)]
    silent = ApprovedSignatureFactory(letter=letter)  # never ticked the box
    gone = consenting(letter=letter)
    unsubscribed = consenting(letter=letter)
    consenting(PendingSignatureFactory, letter=letter)  # never confirmed the address
    consenting(RejectedSignatureFactory, letter=letter)
    consenting()  # another letter's signer
    signature_withdraw(public_id=gone.public_id)
    signature_unsubscribe(public_id=unsubscribed.public_id)
    update = publish(letter)
    with django_capture_on_commit_callbacks(execute=True):
        assert updates_send_batch() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted(s.email for s in wanted)
    assert silent.email not in [m.to[0] for m in mailoutbox]
    message = mailoutbox[0]
    assert message.subject == f"{letter.title}: Delivered to the ministry"
    assert "We handed it over **today**." in message.body
    assert "<strong>today</strong>" in message.alternatives[0][0]
    signature = Signature.objects.get(email=message.to[0])
    links = re.findall(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"])
    assert links[0].startswith("https://letter.example.org/unsubscribe/") and links[1].startswith("mailto:")
    assert links[0] in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Update.objects.get(pk=update.pk).sending_done_at is not None

    # the mail client's one-click POST: no cookie, no CSRF token
    one_click = Client(enforce_csrf_checks=True).post(
        links[0].removeprefix(settings.SITE_URL),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200 and "No more updates" in one_click.content.decode()
    signature.refresh_from_db()
    assert signature.updates_unsubscribed_at is not None
    # a later update skips them
    mailoutbox.clear()
    publish(letter, title="Second")
    with django_capture_on_commit_callbacks(execute=True):
        assert updates_send_batch() == 1
    assert [m.to[0] for m in mailoutbox] == [s.email for s in wanted if s.pk != signature.pk]


@pytest.mark.django_db
def test_a_withdrawal_or_unsubscription_after_queueing_stops_the_email(letter, mailoutbox):
    leaving, quitting = consenting(letter=letter), consenting(letter=letter)
    publish(letter)
    assert updates_send_batch() == 2  # queued; the send tasks run after the commit
    signature_withdraw(public_id=leaving.public_id)
    # an unsubscription that lands between queueing and sending (no service call cancels the
    # row): the send-time check stops it
    Signature.objects.filter(pk=quitting.pk).update(updates_unsubscribed_at=timezone.now())
    rows = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.UPDATE).order_by("pk")
    # the withdrawal cancelled its row itself; the other is cancelled when the worker looks
    assert [outbox.outgoing_email_send(outgoing_id=row.pk) for row in rows] == ["skipped", "cancelled"]
    assert mailoutbox == []
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {OutgoingEmail.Status.CANCELLED}


@pytest.mark.django_db
def test_a_get_on_the_unsubscribe_link_only_asks(client, letter):
    signer = consenting(letter=letter)
    from signatures.tokens import make_unsubscribe_token

    url = reverse("signatures:unsubscribe", args=[make_unsubscribe_token(signer.public_id)])
    response = client.get(url)
    assert response.status_code == 200 and "Stop the updates" in response.content.decode()
    assert "private" in response["Cache-Control"]
    signer.refresh_from_db()
    assert signer.updates_unsubscribed_at is None
    assert client.get(reverse("signatures:unsubscribe", args=["forged.token"])).status_code == 404


@pytest.mark.django_db
def test_batches_respect_the_rate(letter, settings):
    settings.UPDATES_PER_MINUTE = 2
    signers = [consenting(letter=letter) for _ in range(5)]
    update = publish(letter)
    assert [updates_send_batch() for _ in range(4)] == [2, 2, 1, 0]
    queued = OutgoingEmail.objects.filter(update=update).order_by("pk").values_list("signature_id", flat=True)
    assert list(queued) == [s.pk for s in signers]  # each once, in order
    update.refresh_from_db()
    assert update.sending_done_at is not None


@pytest.mark.django_db
def test_moderators_publish_updates_from_their_page(letter, mod_client_factory):
    moderators = mod_client_factory()
    page = moderators.get(f"/moderation/letters/{letter.pk}/updates/")
    assert page.status_code == 200 and "Write an update" in page.content.decode()
    response = moderators.post(
        f"/moderation/letters/{letter.pk}/updates/publish/",
        {"title": "We met the minister", "body_markdown": "It went well.", "email_signers": "on"},
        follow=True,
    )
    assert response.status_code == 200 and "is published" in response.content.decode()
    update = Update.objects.get(letter=letter)
    assert update.body_html == "<p>It went well.</p>" and update.created_by.email == "moderator@example.org"
    assert moderators.post(f"/moderation/letters/{letter.pk}/updates/publish/", {"title": ""}).status_code == 400


@pytest.mark.django_db
def test_your_signature_page_offers_to_stop_updates(client, letter):
    from signatures.tokens import make_withdraw_token

    signer = consenting(letter=letter)
    page = client.get(reverse("launch:your_signature", args=[make_withdraw_token(signer.public_id)])).content.decode()
    link = re.search(r'<a href="(/unsubscribe/[^"]+)">Stop them</a>', page)
    assert link
    client.post(link.group(1))
    signer.refresh_from_db()
    assert signer.updates_unsubscribed_at is not None
    page = client.get(reverse("launch:your_signature", args=[make_withdraw_token(signer.public_id)])).content.decode()
    assert "Stop them" not in page
