"""A reject can be undone for a short while; moderators keep the watchlist without the admin."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from moderation.services.undo import UNDO_SECONDS
from signatures.models import ModerationEvent, Signature, WatchlistEntry
from signatures.names import name_key
from tests.factories import ApprovedSignatureFactory, VerifiedSignatureFactory


def reject(client, signature, **extra):
    return client.post(f"/moderation/{signature.pk}/reject/", {"next": "/moderation/", **extra}, follow=True)


def undo_form(html: str) -> str:
    start = html.index('<form method="post" action="/moderation/undo-reject/')
    return html[start : html.index("</form>", start)]


def undo_url(html: str) -> str:
    form = undo_form(html)
    return form.split('action="', 1)[1].split('"', 1)[0]


@pytest.mark.django_db
def test_a_reject_offers_an_undo_that_puts_the_signature_back_in_the_queue(mod_client_factory):
    client = mod_client_factory()
    signature = VerifiedSignatureFactory(name="Sam Solid")
    html = reject(client, signature).content.decode()
    signature.refresh_from_db()
    assert signature.status == Signature.Status.REJECTED
    assert "Rejected <strong>Sam Solid</strong>" in undo_form(html)
    assert "Undo reject" in undo_form(html)

    html = client.post(undo_url(html), {"next": "/moderation/"}, follow=True).content.decode()
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED and signature.rejected_at is None
    assert "Reject undone: Sam Solid is email confirmed, awaiting review again." in html
    assert "undo-reject" not in html  # the offer is gone
    actions = list(signature.events.order_by("pk").values_list("action", flat=True))
    assert actions == ["reject", "unreject"]  # the log keeps the reject and records its undoing


@pytest.mark.django_db
def test_undoing_the_reject_of_a_public_featured_signature_makes_it_public_and_featured_again(
    mod_client_factory, client, django_capture_on_commit_callbacks
):
    moderator = mod_client_factory()
    signature = ApprovedSignatureFactory(name="Fiona Featured", featured=True)
    with django_capture_on_commit_callbacks(execute=True):
        html = reject(moderator, signature, reason="wrong person").content.decode()
    assert "Fiona Featured" not in client.get(f"/letters/{signature.letter.slug}/signatures/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(undo_url(html))
    signature.refresh_from_db()
    assert signature.status == Signature.Status.APPROVED and signature.featured
    assert "Fiona Featured" in client.get(f"/letters/{signature.letter.slug}/signatures/").content.decode()
    detail = " ".join(moderator.get(f"/moderation/{signature.pk}/").content.decode().split())
    assert "Reject undone</strong>. Status: Rejected → Approved (public). Featured: no → yes." in detail


@pytest.mark.django_db
def test_no_undo_after_the_window_by_another_moderator_or_after_a_later_decision(mod_client_factory):
    alice = mod_client_factory("alice@example.org")
    bob = mod_client_factory("bob@example.org")
    late, theirs, decided = (VerifiedSignatureFactory() for _ in range(3))

    url = undo_url(reject(alice, late).content.decode())
    ModerationEvent.objects.filter(signature=late).update(
        created_at=timezone.now() - timedelta(seconds=UNDO_SECONDS + 1)
    )
    assert "too late to undo" in alice.post(url, follow=True).content.decode()

    url = undo_url(reject(alice, theirs).content.decode())
    assert "no reject of yours" in bob.post(url, follow=True).content.decode()

    url = undo_url(reject(alice, decided).content.decode())
    bob.post(f"/moderation/{decided.pk}/approve/")
    assert "can no longer be undone" in alice.post(url, follow=True).content.decode()
    for signature, status in [(late, "rejected"), (theirs, "rejected"), (decided, "approved")]:
        signature.refresh_from_db()
        assert signature.status == status


@pytest.mark.django_db
def test_moderators_add_and_remove_watchlist_names(mod_client_factory):
    client = mod_client_factory()
    page = client.get("/moderation/watchlist/")
    assert page.status_code == 200 and "The watchlist is empty" in page.content.decode()

    html = client.post(
        "/moderation/watchlist/add/", {"name": "Famous Person", "note": "via their office"}, follow=True
    ).content.decode()
    assert "Added Famous Person to the watchlist." in html and "via their office" in html
    entry = WatchlistEntry.objects.get()
    assert entry.name_key == name_key("Famous Person")
    html = client.post("/moderation/watchlist/add/", {"name": "famous  PERSON"}, follow=True).content.decode()
    assert "famous PERSON is already on the watchlist, as Famous Person." in html
    assert WatchlistEntry.objects.count() == 1
    html = client.post("/moderation/watchlist/add/", {"name": ""}, follow=True).content.decode()
    assert "Enter the name to watch." in html

    # A signature with the name is now held back from bulk approval.
    signature = VerifiedSignatureFactory(name="Famous Person")
    assert "On the watchlist" in client.get("/moderation/").content.decode()

    html = client.post(f"/moderation/watchlist/{entry.pk}/remove/", follow=True).content.decode()
    assert "Removed Famous Person from the watchlist." in html
    assert not WatchlistEntry.objects.exists()
    client.post("/moderation/bulk/", {"action": "approve", "ids": [signature.pk]})
    signature.refresh_from_db()
    assert signature.status == Signature.Status.APPROVED


@pytest.mark.django_db
def test_the_watchlist_is_for_moderators_only(client):
    get_user_model().objects.create_user("someone", "someone@example.org", "a-long-password-1")
    assert client.get("/moderation/watchlist/").status_code == 302
    client.login(username="someone", password="a-long-password-1")
    assert client.get("/moderation/watchlist/").status_code == 403
    assert client.post("/moderation/watchlist/add/", {"name": "X Y"}).status_code == 403
