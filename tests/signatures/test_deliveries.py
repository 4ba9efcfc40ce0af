"""Delivery records (issue 13, item 4): organizers record when, to whom and how the letter was
delivered, bound to a signed checkpoint, and the list as delivered verifies with verify_list."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from moderation.services import decisions
from signatures.models import Checkpoint, Delivery
from signatures.services.deliveries import delivery_record
from signatures.services.signing import signature_withdraw
from tests.factories import LetterFactory, VerifiedSignatureFactory
from tests.signatures.test_transparency import TEST_KEY, download, verify_list


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.TLOG_SIGNING_KEY = TEST_KEY
    settings.TLOG_KEY_NAME = ""


def _approve(moderator, people):
    decisions.signatures_bulk_decide(moderator=moderator, action="approve", ids=[p.pk for p in people])


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_bound_to_a_checkpoint_that_verifies_after_later_withdrawals(live_server, client, tmp_path):
    # A transactional test runs after others have flushed the database, data migrations' groups
    # included: the moderator holds the permission directly.
    moderator = get_user_model().objects.create_user(username="mod", email="moderator@example.org")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_signature"))
    moderators = Client()
    moderators.force_login(moderator)
    letter = LetterFactory()
    people = [VerifiedSignatureFactory(letter=letter, organization="Org") for _ in range(6)]
    _approve(moderator, people[:4])

    # the organizers download the list and deliver it, then record the delivery
    delivered_csv = download(client, letter, tmp_path / "delivered.csv")
    page = moderators.get(f"/moderation/letters/{letter.pk}/deliveries/")
    assert page.status_code == 200 and "Record a delivery" in page.content.decode()
    response = moderators.post(
        f"/moderation/letters/{letter.pk}/deliveries/record/",
        {
            "delivered_at": "2026-06-02T10:30",
            "recipient": "The Minister's office",
            "method": "By hand",
            "note": "Received by the chief of staff.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Delivery to The Minister&#x27;s office recorded" in response.content.decode()
    delivery = Delivery.objects.get(letter=letter)
    assert delivery.checkpoint.tree_size == 4 and delivery.recorded_by == moderator
    assert delivery.delivered_at.isoformat() == "2026-06-02T10:30:00+00:00"

    # afterwards: a withdrawal, a rejection, new names
    signature_withdraw(public_id=people[0].public_id)
    decisions.signature_reject(signature_id=people[1].pk, moderator=moderator)
    _approve(moderator, people[4:])

    # the press page lists the delivery with its checkpoint, and the link serves its text
    press = client.get(f"/letters/{letter.slug}/press/").content.decode()
    assert "Deliveries" in press and "The Minister&#x27;s office" in press and "By hand" in press
    assert "Received by the chief of staff." in press and "4 log entries" in press
    link = f"/letters/{letter.slug}/log/checkpoints/4.txt"
    assert f'href="{link}"' in press
    served = client.get(link)
    assert served.status_code == 200 and served["Content-Type"].startswith("text/plain")
    assert served.content.decode() == delivery.checkpoint.note
    checkpoint_file = tmp_path / "checkpoint-4.txt"
    checkpoint_file.write_bytes(served.content)

    site = ["--site", live_server.url, "--letter", letter.slug]
    result = verify_list(delivered_csv, *site, "--checkpoint", checkpoint_file)
    assert result.returncode == 0, result.stderr
    assert "all 4 rows of delivered.csv" in result.stdout
    assert "the log has only grown since (size 4 -> 8)" in result.stdout
    # today's list is not the one delivered: verify_list says so
    today = download(client, letter, tmp_path / "today.csv")
    result = verify_list(today, *site, "--checkpoint", checkpoint_file)
    assert result.returncode == 1 and "not in the log at size 4" in result.stderr


@pytest.mark.django_db
def test_a_delivery_signs_a_checkpoint_only_when_the_log_grew(letter, django_user_model):
    moderator = django_user_model.objects.create_user(username="m", email="m@example.org")
    when = timezone.now() - timedelta(hours=1)
    first = delivery_record(
        letter=letter, moderator=moderator, delivered_at=when, recipient="A", method="Email", note=""
    )
    second = delivery_record(
        letter=letter, moderator=moderator, delivered_at=when, recipient="B", method="Post", note=""
    )
    assert first.checkpoint == second.checkpoint and Checkpoint.objects.filter(letter=letter).count() == 1


@pytest.mark.django_db
def test_a_delivery_in_the_future_or_without_recipient_is_refused(letter, mod_client_factory):
    moderators = mod_client_factory()
    url = f"/moderation/letters/{letter.pk}/deliveries/record/"
    future = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = moderators.post(url, {"delivered_at": future, "recipient": "X", "method": "Email"})
    assert response.status_code == 400 and "the time is in the future" in response.content.decode()
    response = moderators.post(url, {"delivered_at": "2026-06-02T10:30", "recipient": "", "method": "Email"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_the_deliveries_page_is_for_moderators_only(client, letter, django_user_model):
    url = f"/moderation/letters/{letter.pk}/deliveries/"
    assert client.get(url).status_code == 302  # the login page
    client.force_login(django_user_model.objects.create_user(username="someone", email="s@example.org"))
    assert client.get(url).status_code == 403
    assert client.post(url + "record/", {"recipient": "X"}).status_code == 403


@pytest.mark.django_db
def test_an_unknown_checkpoint_size_is_404(client, letter):
    assert client.get(f"/letters/{letter.slug}/log/checkpoints/7.txt").status_code == 404
