"""A letter's launch: its states (draft, collecting, live, closed), invitation links while it is
collecting, press previews under embargo, and publication at a scheduled time."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from letter.models import Invitation, Letter, LetterStateChange, PressPreview
from letter.selectors import letter_get_published
from moderation.tasks import publish_scheduled_letters
from signatures.models import Signature
from signatures.services import launch
from tests.factories import ApprovedSignatureFactory, LetterFactory, PendingSignatureFactory, VerifiedSignatureFactory

State = Letter.State
SIGNER = {"name": "Ines Invited", "email": "ines@example.org", "title": "Researcher", "organization": "Lab"}


@pytest.fixture
def moderator(db):
    call_command("add_moderator", "organizer@example.org", "--no-email", stdout=io.StringIO())
    return get_user_model().objects.get(email="organizer@example.org")


@pytest.fixture
def collecting(db):
    return LetterFactory(state=State.COLLECTING)


def public_urls(letter):
    slug = letter.slug
    return [
        letter.get_absolute_url(),
        reverse("signatures:list", args=[slug]),
        reverse("signatures:csv", args=[slug]),
        reverse("signatures:json", args=[slug]),
        reverse("signatures:count", args=[slug]),
        reverse("signatures:feed", args=[slug]),
        reverse("signatures:press", args=[slug]),
        reverse("signatures:card", args=[slug]),
        reverse("signatures:log_checkpoint", args=[slug]),
    ]


def set_state(letter, state, actor, capture):
    with capture(execute=True):
        return launch.letter_set_state(letter=letter, state=state, actor=actor)


def assert_private_noindex(response):
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "public" not in cache_control and "s-maxage" not in cache_control
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def sign_through(client, letter, token=None, **overrides):
    data = {**SIGNER, **overrides}
    if token is not None:
        data["invitation"] = token
    return client.post(reverse("signatures:sign", args=[letter.slug]), data)


# --- States ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_state_change_is_guarded_audited_and_repeatable(moderator, django_capture_on_commit_callbacks):
    letter = LetterFactory(state=State.DRAFT)
    for state in (State.COLLECTING, State.LIVE, State.CLOSED, State.LIVE):
        letter, changed = set_state(letter, state, moderator, django_capture_on_commit_callbacks)
        assert changed and Letter.objects.get(pk=letter.pk).state == state
        # A double click changes nothing and writes no second audit row.
        assert set_state(letter, state, moderator, django_capture_on_commit_callbacks)[1] is False
    history = list(LetterStateChange.objects.filter(letter=letter).order_by("id").values_list("before", "after"))
    assert history == [("draft", "collecting"), ("collecting", "live"), ("live", "closed"), ("closed", "live")]
    assert set(LetterStateChange.objects.values_list("actor_label", flat=True)) == {"organizer@example.org"}
    # Once public, a letter cannot go back to being collected in secret, nor to a draft.
    for state in (State.COLLECTING, State.DRAFT):
        with pytest.raises(ValidationError):
            launch.letter_set_state(letter=letter, state=state, actor=moderator)
    assert Letter.objects.get(pk=letter.pk).state == State.LIVE


@pytest.mark.django_db
def test_a_collecting_letter_shows_nothing_in_public(client, collecting):
    ApprovedSignatureFactory(letter=collecting, name="Secret Signer")
    for url in public_urls(collecting):
        assert client.get(url).status_code == 404, url
    # Nor from the site's root when it is the primary letter.
    Letter.objects.filter(pk=collecting.pk).update(is_primary=True)
    assert client.get("/").status_code == 404
    assert Letter.objects.published().filter(pk=collecting.pk).exists() is False


@pytest.mark.django_db
def test_going_live_shows_every_approved_name_at_once(
    client, collecting, moderator, django_capture_on_commit_callbacks
):
    approved = [ApprovedSignatureFactory(letter=collecting, name=f"Vetted Person {i}") for i in range(3)]
    waiting = VerifiedSignatureFactory(letter=collecting, name="Not Yet Reviewed")
    assert client.get(collecting.get_absolute_url()).status_code == 404

    set_state(collecting, State.LIVE, moderator, django_capture_on_commit_callbacks)

    page = client.get(collecting.get_absolute_url())
    assert page.status_code == 200
    assert client.get(reverse("signatures:count", args=[collecting.slug])).json()["count"] == 3
    listing = client.get(reverse("signatures:list", args=[collecting.slug])).content.decode()
    assert all(s.name in listing for s in approved) and waiting.name not in listing
    assert '<meta name="robots"' not in page.content.decode() and "X-Robots-Tag" not in page


@pytest.mark.django_db
def test_closing_shows_at_once_refuses_signing_and_keeps_the_list(
    client, letter, moderator, django_capture_on_commit_callbacks
):
    ApprovedSignatureFactory(letter=letter, name="Kept Signatory")
    assert "Sign the letter" in client.get(letter.get_absolute_url()).content.decode()  # cached as live
    letter_get_published(slug=letter.slug)  # and the letter in this process's memory

    set_state(letter, State.CLOSED, moderator, django_capture_on_commit_callbacks)

    html = client.get(letter.get_absolute_url()).content.decode()
    assert "This letter is closed" in html and 'name="email"' not in html
    refused = sign_through(client, letter)
    assert refused.status_code == 410 and "This letter is closed" in refused.content.decode()
    assert not Signature.objects.filter(email="ines@example.org").exists()
    assert "Kept Signatory" in client.get(reverse("signatures:list", args=[letter.slug])).content.decode()
    assert client.get(reverse("signatures:csv", args=[letter.slug])).status_code == 200
    assert client.get(reverse("signatures:log_checkpoint", args=[letter.slug])).status_code in (200, 503)


@pytest.mark.django_db
def test_the_admin_action_changes_the_state_through_the_service(admin_client, collecting):
    response = admin_client.post(
        "/admin/letter/letter/", {"action": "make_live", "_selected_action": [collecting.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Letter.objects.get(pk=collecting.pk).state == State.LIVE
    assert LetterStateChange.objects.get(letter=collecting).after == State.LIVE


# --- Invitations -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_invitation_opens_the_sign_form_and_counts_its_use(
    client, collecting, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = launch.invitation_create(letter=collecting, label="Security list", max_uses=None, actor=moderator)
    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 200
    assert_private_noindex(page)
    html = page.content.decode()
    assert collecting.title in html and f'value="{invitation.token}"' in html and 'name="email"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_through(client, collecting, invitation.token)
    assert response.status_code == 303
    signature = Signature.objects.get(email_normalized="ines@example.org")
    assert signature.letter == collecting and signature.status == Signature.Status.PENDING
    assert Invitation.objects.get(pk=invitation.pk).uses == 1
    # The usual confirmation email.
    assert mailoutbox[0].to == ["ines@example.org"] and "http://testserver/confirm/" in mailoutbox[0].body
    check = client.get(response["Location"])
    assert check.status_code == 200 and check["X-Robots-Tag"] == "noindex"

    # The same address again: the same answer, no second use.
    assert sign_through(client, collecting, invitation.token).status_code == 303
    assert Invitation.objects.get(pk=invitation.pk).uses == 1


@pytest.mark.django_db
def test_without_a_valid_invitation_a_collecting_letter_refuses_signing(client, collecting, moderator):
    other = LetterFactory(state=State.COLLECTING)
    elsewhere = launch.invitation_create(letter=other, label="Other letter", max_uses=None, actor=moderator)
    for token in (None, "made-up-token", elsewhere.token):
        response = sign_through(client, collecting, token)
        assert response.status_code == 403, token
        assert "only through an invitation link" in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_revoked_invitation_is_gone(client, collecting, moderator):
    invitation = launch.invitation_create(letter=collecting, label="Jo", max_uses=1, actor=moderator)
    assert launch.invitation_revoke(invitation_id=invitation.pk, actor=moderator) is True
    assert launch.invitation_revoke(invitation_id=invitation.pk, actor=moderator) is False
    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 410 and "withdrawn by the organizers" in page.content.decode()
    assert_private_noindex(page)
    response = sign_through(client, collecting, invitation.token)
    assert response.status_code == 410 and not Signature.objects.exists()


@pytest.mark.django_db
def test_a_used_up_invitation_is_gone(client, collecting, moderator):
    invitation = launch.invitation_create(letter=collecting, label="Only Ines", max_uses=1, actor=moderator)
    assert sign_through(client, collecting, invitation.token).status_code == 303
    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 410 and "used as many times as it allows" in page.content.decode()
    response = sign_through(client, collecting, invitation.token, email="someone.else@example.org")
    assert response.status_code == 410
    assert Signature.objects.count() == 1 and Invitation.objects.get(pk=invitation.pk).uses == 1


@pytest.mark.django_db
def test_the_last_use_goes_to_one_signer_only(collecting, moderator):
    """Two signers holding the page of a one-use link: the second one's signature is not kept."""
    invitation = launch.invitation_create(letter=collecting, label="One seat", max_uses=1, actor=moderator)
    stale = Invitation.objects.get(pk=invitation.pk)  # read before either signs
    launch.signature_create_invited(invitation=invitation, **SIGNER)
    with pytest.raises(launch.InvitationRefused):
        launch.signature_create_invited(invitation=stale, **{**SIGNER, "email": "second@example.org"})
    assert list(Signature.objects.values_list("email_normalized", flat=True)) == ["ines@example.org"]
    assert Invitation.objects.get(pk=invitation.pk).uses == 1


@pytest.mark.django_db
def test_invalid_input_on_an_invitation_keeps_the_invitation(client, collecting, moderator):
    invitation = launch.invitation_create(letter=collecting, label="List", max_uses=None, actor=moderator)
    response = sign_through(client, collecting, invitation.token, email="not an address")
    assert response.status_code == 400
    assert_private_noindex(response)
    html = response.content.decode()
    assert f'value="{invitation.token}"' in html and "valid email address" in html


@pytest.mark.django_db
def test_an_unknown_invitation_is_404(client):
    assert client.get("/invite/nothing-here/").status_code == 404


@pytest.mark.django_db
def test_moderators_make_and_revoke_invitations_on_the_launch_page(mod_client_factory, collecting):
    client = mod_client_factory()
    page = reverse("moderation:launch", args=[collecting.pk])
    response = client.post(
        reverse("moderation:invitation_create", args=[collecting.pk]),
        {"invitation-label": "Jane", "invitation-max_uses": "1"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(letter=collecting)
    assert invitation.max_uses == 1 and invitation.created_by.email == "moderator@example.org"
    html = client.get(page).content.decode()
    assert f"http://testserver/invite/{invitation.token}/" in html and "Active" in html
    client.post(reverse("moderation:invitation_revoke", args=[invitation.pk]))
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert "Revoked" in client.get(page).content.decode()
    # A bad form says why and makes nothing.
    client.post(
        reverse("moderation:invitation_create", args=[collecting.pk]),
        {"invitation-label": "", "invitation-max_uses": "0"},
    )
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_the_launch_page_is_for_moderators_only(client, django_user_model, collecting):
    page = reverse("moderation:launch", args=[collecting.pk])
    assert client.get(page).status_code == 302  # to the login page
    client.force_login(django_user_model.objects.create_user("someone", "someone@example.org", "pw"))
    assert client.get(page).status_code == 403
    assert client.post(reverse("moderation:launch_state", args=[collecting.pk]), {"state": "live"}).status_code == 403
    assert Letter.objects.get(pk=collecting.pk).state == State.COLLECTING


@pytest.mark.django_db
def test_moderators_change_the_state_on_the_launch_page(mod_client_factory, collecting):
    client = mod_client_factory()
    client.post(reverse("moderation:launch_state", args=[collecting.pk]), {"state": "live"})
    assert Letter.objects.get(pk=collecting.pk).state == State.LIVE
    response = client.post(
        reverse("moderation:launch_state", args=[collecting.pk]), {"state": "collecting"}, follow=True
    )
    assert "cannot become collecting" in response.content.decode()
    assert Letter.objects.get(pk=collecting.pk).state == State.LIVE


# --- Press previews ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_press_preview_shows_the_list_as_it_will_appear_and_is_never_shared(client, collecting, moderator):
    ApprovedSignatureFactory(letter=collecting, name="Featured Expert", featured=True)
    ApprovedSignatureFactory(letter=collecting, name="Vetted Researcher")
    VerifiedSignatureFactory(letter=collecting, name="Unreviewed Person")
    PendingSignatureFactory(letter=collecting, name="Unconfirmed Person")
    preview = launch.press_preview_create(
        letter=collecting, label="Newsroom", expires_at=timezone.now() + timedelta(days=2), actor=moderator
    )
    response = client.get(preview.get_absolute_url())
    assert response.status_code == 200
    assert_private_noindex(response)
    html = response.content.decode()
    assert "Embargoed until further notice" in html
    assert html.index("Featured Expert") < html.index("Vetted Researcher")  # the public order
    assert "Unreviewed Person" not in html and "Unconfirmed Person" not in html
    assert re.search(r"<strong[^>]*>2</strong> verified signatures", html)
    # With a scheduled time, the embargo names it.
    Letter.objects.filter(pk=collecting.pk).update(go_live_at=timezone.make_aware(timezone.datetime(2031, 5, 4, 9, 30)))
    assert "Embargoed until 4 May 2031, 09:30 UTC" in client.get(preview.get_absolute_url()).content.decode()
    # A logged-in visitor gets no shared copy either.
    client.force_login(moderator)
    assert "public" not in client.get(preview.get_absolute_url())["Cache-Control"]


@pytest.mark.django_db
def test_an_expired_press_preview_is_gone(client, collecting, moderator):
    preview = launch.press_preview_create(
        letter=collecting, label="Newsroom", expires_at=timezone.now() + timedelta(hours=1), actor=moderator
    )
    PressPreview.objects.filter(pk=preview.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(preview.get_absolute_url())
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert_private_noindex(response)
    assert client.get("/preview/not-a-token/").status_code == 404
    with pytest.raises(ValidationError):
        launch.press_preview_create(letter=collecting, label="x", expires_at=timezone.now(), actor=moderator)


@pytest.mark.django_db
def test_moderators_make_and_end_preview_links(mod_client_factory, collecting):
    client = mod_client_factory()
    client.post(
        reverse("moderation:preview_create", args=[collecting.pk]),
        {"preview-label": "Wire service", "preview-days": "3"},
    )
    preview = PressPreview.objects.get(letter=collecting)
    assert timedelta(days=2, hours=23) < preview.expires_at - timezone.now() <= timedelta(days=3)
    assert client.get(preview.get_absolute_url()).status_code == 200
    client.post(reverse("moderation:preview_expire", args=[preview.pk]))
    assert client.get(preview.get_absolute_url()).status_code == 410


# --- Scheduled publication -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_makes_a_due_letter_live_and_its_list_appears(
    client, moderator, django_capture_on_commit_callbacks
):
    due = LetterFactory(state=State.COLLECTING, go_live_at=timezone.now() - timedelta(seconds=5))
    later = LetterFactory(state=State.COLLECTING, go_live_at=timezone.now() + timedelta(hours=1))
    unscheduled = LetterFactory(state=State.COLLECTING)
    ApprovedSignatureFactory(letter=due, name="Launch Day Name")
    assert client.get(reverse("signatures:list", args=[due.slug])).status_code == 404

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled", stdout=out)
    assert f"Letter '{due.slug}' is live." in out.getvalue()
    states = dict(Letter.objects.values_list("slug", "state"))
    assert states[due.slug] == State.LIVE
    assert states[later.slug] == states[unscheduled.slug] == State.COLLECTING
    assert LetterStateChange.objects.get(letter=due).actor_label == "schedule"
    assert "Launch Day Name" in client.get(reverse("signatures:list", args=[due.slug])).content.decode()
    assert client.get(reverse("signatures:count", args=[due.slug])).json()["count"] == 1
    # Running again (or the beat task alongside) changes nothing.
    assert publish_scheduled_letters() == 0


@pytest.mark.django_db
def test_the_beat_task_makes_a_due_letter_live(client, django_capture_on_commit_callbacks):
    due = LetterFactory(state=State.COLLECTING, go_live_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_scheduled_letters.delay().get() == 1
    assert client.get(due.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_letter_closed_by_hand_is_left_closed_by_the_schedule(moderator):
    letter = LetterFactory(state=State.COLLECTING, go_live_at=timezone.now() + timedelta(hours=1))
    launch.letter_set_state(letter=letter, state=State.LIVE, actor=moderator)
    launch.letter_set_state(letter=letter, state=State.CLOSED, actor=moderator)
    Letter.objects.filter(pk=letter.pk).update(go_live_at=timezone.now() - timedelta(hours=1))
    assert launch.letters_publish_due() == []
    assert Letter.objects.get(pk=letter.pk).state == State.CLOSED


@pytest.mark.django_db
def test_moderators_schedule_the_go_live_time(mod_client_factory, collecting):
    client = mod_client_factory()
    client.post(reverse("moderation:launch_schedule", args=[collecting.pk]), {"go_live_at": "2031-05-04T09:30"})
    assert Letter.objects.get(pk=collecting.pk).go_live_at == timezone.make_aware(timezone.datetime(2031, 5, 4, 9, 30))


# --- Existing letters ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_published_letters_live():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = ("letter", "0001_initial"), ("letter", "0002_launch_states")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("letter", "Letter")
    try:
        old.objects.create(slug="public", title="Public", body="Text", published=True)
        old.objects.create(slug="draft", title="Draft", body="Text", published=False)
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        assert dict(Letter.objects.values_list("slug", "state")) == {"public": "live", "draft": "draft"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_invitees_are_asked_not_to_share_a_letter_before_it_is_public(
    client, collecting, moderator, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_SIGNER_ON_APPROVAL = True
    invitation = launch.invitation_create(letter=collecting, label="List", max_uses=None, actor=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        sign_through(client, collecting, invitation.token)
    confirm = re.search(r"http://testserver(/confirm/\S+/)", mailoutbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(confirm, follow=True)
    html = done.content.decode()
    assert "The letter is not public yet" in html and "Copy link to the letter" not in html
    assert '<meta name="robots" content="noindex">' in html

    from moderation.services.decisions import signature_approve

    signature = Signature.objects.get(email_normalized="ines@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        signature_approve(signature_id=signature.pk, moderator=moderator)
    approved = mailoutbox[-1]
    assert approved.subject.endswith("is approved") and "The letter is not public" in approved.body


@pytest.mark.django_db
def test_an_invitation_to_a_live_letter_still_signs_and_counts(client, collecting, moderator):
    invitation = launch.invitation_create(letter=collecting, label="Early list", max_uses=5, actor=moderator)
    launch.letter_set_state(letter=collecting, state=State.LIVE, actor=moderator)
    page = client.get(invitation.get_absolute_url()).content.decode()
    assert "it is public now" in page and "before this letter is public" not in page
    assert sign_through(client, collecting, invitation.token).status_code == 303
    assert sign_through(client, collecting, email="walk.in@example.org").status_code == 303  # no link needed now
    assert Invitation.objects.get(pk=invitation.pk).uses == 1


@pytest.mark.django_db
def test_the_admin_makes_and_revokes_invitations_and_previews(admin_client, admin_user, collecting):
    response = admin_client.post(
        "/admin/letter/invitation/add/", {"letter": collecting.pk, "label": "Board members", "max_uses": "3"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.letter, invitation.max_uses, invitation.created_by) == (collecting, 3, admin_user)
    assert len(invitation.token) >= 40
    admin_client.post("/admin/letter/invitation/", {"action": "revoke", "_selected_action": [invitation.pk]})
    assert Invitation.objects.get().revoked_at is not None
    expires = timezone.now() + timedelta(days=1)
    response = admin_client.post(
        "/admin/letter/pressPreview/add/".lower(),
        {"letter": collecting.pk, "label": "Agency", "expires_at_0": f"{expires:%Y-%m-%d}", "expires_at_1": "12:00:00"},
    )
    assert response.status_code == 302
    assert PressPreview.objects.get().created_by == admin_user
