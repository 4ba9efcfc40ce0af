"""'Your signature': the page the link in every email opens. Status and details, corrections
(a public signature goes back to review, audited and logged), "affiliation for identification
only", and the way on to withdrawal."""

import re

import pytest
from django.urls import reverse

from moderation.services.decisions import signature_approve
from moderation.templatetags.audit import audit_actor
from signatures.models import LogLeaf, ModerationEvent, Signature
from signatures.services.log import log_published
from signatures.tokens import make_withdraw_token
from tests.factories import (
    ApprovedSignatureFactory,
    PendingSignatureFactory,
    VerifiedSignatureFactory,
    WithdrawnSignatureFactory,
)

Status = Signature.Status


def page_url(signature):
    return reverse("launch:your_signature", args=[make_withdraw_token(signature.public_id)])


def correct(client, signature, **changes):
    data = {"title": signature.title, "organization": signature.organization, **changes}
    if data.pop("identification_only", signature.identification_only):
        data["identification_only"] = "on"
    return client.post(page_url(signature), data)


def public_list(client, letter):
    return client.get(reverse("signatures:list", args=[letter.slug])).content.decode()


@pytest.mark.django_db
def test_the_page_shows_status_and_details_privately(client):
    signature = ApprovedSignatureFactory(name="Pat Public", title="Engineer", organization="Acme")
    response = client.get(page_url(signature))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Public: your name is on the list" in html
    assert "Pat Public" in html and "Engineer" in html and "Acme" in html
    assert f'href="/withdraw/{make_withdraw_token(signature.public_id)}/"' in html
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control and "public" not in cache_control
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.django_db
def test_a_forged_or_confirm_token_is_404(client):
    assert client.get("/your-signature/nothing.here/").status_code == 404


@pytest.mark.django_db
def test_correcting_a_public_signature_sends_it_back_to_review_audited_and_logged(
    client, letter, django_capture_on_commit_callbacks
):
    signature = ApprovedSignatureFactory(letter=letter, name="Ria Retitled", title="Intern", organization="Acme")
    log_published(signature_ids=[signature.pk])  # as its approval did
    assert "Ria Retitled" in public_list(client, letter)

    with django_capture_on_commit_callbacks(execute=True):
        response = correct(client, signature, title="Chief Scientist")
    assert response.status_code == 303 and response["Location"].endswith("?saved=1")

    signature.refresh_from_db()
    assert signature.status == Status.VERIFIED and signature.title == "Chief Scientist"
    assert "Ria Retitled" not in public_list(client, letter)  # at once: the cached page is dropped
    assert client.get(reverse("signatures:count", args=[letter.slug])).json()["count"] == 0
    # The log records that the row left the list.
    last = LogLeaf.objects.filter(letter=letter).order_by("-index").first()
    assert (last.kind, last.public_id) == (LogLeaf.Kind.REMOVED, signature.public_id)
    # The audit log: an edit by the signer, with what changed.
    event = ModerationEvent.objects.get(signature=signature, action=ModerationEvent.Action.EDIT)
    assert event.actor is None and event.actor_email == ""
    assert audit_actor(event) == "The signer"
    assert event.before["title"] == "Intern" and event.after["title"] == "Chief Scientist"
    assert (event.before["status"], event.after["status"]) == (Status.APPROVED, Status.VERIFIED)
    # A moderator approves the new text like any other.
    assert "A moderator will review them" in client.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        signature_approve(signature_id=signature.pk, moderator=None)
    assert "Chief Scientist" in public_list(client, letter)


@pytest.mark.django_db
def test_identification_only_is_shown_in_public_and_keeps_the_signature_public(
    client, letter, django_capture_on_commit_callbacks
):
    signature = ApprovedSignatureFactory(letter=letter, name="Ida Identified", organization="Big Corp")
    assert "for identification only" not in public_list(client, letter)
    with django_capture_on_commit_callbacks(execute=True):
        assert correct(client, signature, identification_only=True).status_code == 303
    signature.refresh_from_db()
    assert signature.status == Status.APPROVED and signature.identification_only
    assert re.search(
        r"Big Corp</span>\s*<span class=\"id-only\">\(affiliation for identification only\)",
        public_list(client, letter),
    )
    assert "(affiliation for identification only)" in client.get(letter.get_absolute_url()).content.decode()
    event = ModerationEvent.objects.get(signature=signature)
    assert event.after == {"title": signature.title, "organization": "Big Corp", "identification_only": True}


@pytest.mark.django_db
def test_a_correction_of_a_waiting_signature_keeps_it_waiting(client):
    signature = VerifiedSignatureFactory(organization="Old Org")
    assert correct(client, signature, organization="New Org").status_code == 303
    signature.refresh_from_db()
    assert signature.status == Status.VERIFIED and signature.organization == "New Org"
    assert not LogLeaf.objects.exists()


@pytest.mark.django_db
def test_nothing_changed_is_said_and_records_nothing(client):
    signature = VerifiedSignatureFactory()
    response = correct(client, signature)
    assert response["Location"].endswith("?saved=0")
    assert "Nothing was changed" in client.get(response["Location"]).content.decode()
    assert not ModerationEvent.objects.exists()


@pytest.mark.django_db
def test_bad_input_is_explained_and_changes_nothing(client):
    signature = VerifiedSignatureFactory(title="Engineer")
    response = correct(client, signature, title="x" * (Signature.TITLE_MAX + 1))
    assert response.status_code == 400
    assert "Please shorten your title" in response.content.decode()
    response = correct(client, signature, organization="Evil\u202eCorp")
    assert response.status_code == 400 and "control characters" in response.content.decode()
    signature.refresh_from_db()
    assert signature.title == "Engineer" and not ModerationEvent.objects.exists()


@pytest.mark.django_db
def test_an_unconfirmed_signature_cannot_be_corrected_yet(client):
    signature = PendingSignatureFactory(title="Engineer")
    html = client.get(page_url(signature)).content.decode()
    assert "Waiting for you to confirm your email" in html and 'name="title"' not in html
    assert correct(client, signature, title="Boss").status_code == 409
    signature.refresh_from_db()
    assert signature.title == "Engineer"


@pytest.mark.django_db
def test_a_withdrawn_signature_says_so(client):
    signature = WithdrawnSignatureFactory()
    html = client.get(page_url(signature)).content.decode()
    assert "Withdrawn: your details have been erased" in html and 'name="title"' not in html


@pytest.mark.django_db
def test_every_email_links_to_your_signature(client, letter, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signatures:sign", args=[letter.slug]), {"name": "Eve Emailed", "email": "eve@example.org"})
    message = mailoutbox[0]
    html = message.alternatives[0][0]
    assert "See, correct or withdraw your signature" in message.body
    match = re.search(
        r'<a href="http://testserver(/your-signature/[^"]+/)">See, correct or withdraw your signature</a>', html
    )
    assert match
    page = client.get(match.group(1))
    assert page.status_code == 200 and "Eve Emailed" in page.content.decode()


@pytest.mark.django_db
def test_identification_only_is_in_the_json(client, letter):
    ApprovedSignatureFactory(letter=letter, name="Jon Json", identification_only=True)
    ApprovedSignatureFactory(letter=letter, name="Kim Plain")
    results = client.get(reverse("signatures:json", args=[letter.slug])).json()["results"]
    assert {r["name"]: r["identification_only"] for r in results} == {"Jon Json": True, "Kim Plain": False}


@pytest.mark.django_db
def test_a_list_downloaded_before_a_correction_stays_in_the_log(client, letter, django_capture_on_commit_callbacks):
    signature = VerifiedSignatureFactory(letter=letter, title="Intern")
    with django_capture_on_commit_callbacks(execute=True):
        signature_approve(signature_id=signature.pk, moderator=None)
    old_row = LogLeaf.objects.get(letter=letter).data
    correct(client, signature, title="Chief Scientist")
    with django_capture_on_commit_callbacks(execute=True):
        signature_approve(signature_id=signature.pk, moderator=None)
    leaves = list(LogLeaf.objects.filter(letter=letter).order_by("index").values_list("kind", "data"))
    assert [kind for kind, _ in leaves] == ["published", "removed", "published"]
    assert leaves[0][1] == old_row and "Intern" in old_row  # the earlier download's row is still provable
    assert "Chief Scientist" in leaves[2][1]
