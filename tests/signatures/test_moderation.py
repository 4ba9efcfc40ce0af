"""Moderation: who may decide, what each decision does, and the record it leaves."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from moderation.services import decisions
from moderation.services.organizations import organization_domain_confirm
from signatures.models import ModerationEvent, OrganizationDomain, OutgoingEmail, Signature, WatchlistEntry
from signatures.names import name_key
from signatures.services import signing
from tests.factories import (
    ApprovedSignatureFactory,
    PendingSignatureFactory,
    VerifiedSignatureFactory,
    bulk_signatures,
)
from tests.support.totp import totp

PASSWORD = "a-long-moderator-password"


def make_moderator(email="mod@example.org"):
    call_command("add_moderator", email, "--no-email", stdout=io.StringIO())
    user = User.objects.get(email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def moderator(db):
    return make_moderator()


@pytest.fixture
def mod_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def watch(name):
    return WatchlistEntry.objects.create(name=name, name_key=name_key(name))


# --- Who may moderate ---------------------------------------------------------------------------


DECISIONS = ["approve", "reject", "feature", "unfeature", "edit"]


@pytest.mark.django_db
def test_anonymous_gets_the_login_page(client):
    signature = VerifiedSignatureFactory()
    response = client.get("/moderation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/moderation/")
    assert client.get(response["Location"]).status_code == 200
    for action in DECISIONS:
        response = client.post(f"/moderation/{signature.pk}/{action}/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED


@pytest.mark.django_db
def test_logged_in_non_moderator_gets_403(client):
    user = User.objects.create_user("someone", "someone@example.org", PASSWORD)
    client.force_login(user)
    signature = VerifiedSignatureFactory()
    assert client.get("/moderation/").status_code == 403
    assert client.get(f"/moderation/{signature.pk}/").status_code == 403
    assert client.get("/moderation/audit.csv").status_code == 403
    for action in DECISIONS:
        assert client.post(f"/moderation/{signature.pk}/{action}/").status_code == 403
    assert client.post("/moderation/bulk/", {"action": "approve", "ids": [signature.pk]}).status_code == 403
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED


@pytest.mark.django_db
def test_moderator_sees_the_queue_oldest_first_with_emails(mod_client):
    older = VerifiedSignatureFactory(name="Older Signer", email="older@corp.example")
    newer = VerifiedSignatureFactory(name="Newer Signer")
    Signature.objects.filter(pk=older.pk).update(verified_at=newer.verified_at.replace(year=2025))
    PendingSignatureFactory(name="Not Yet Confirmed")
    ApprovedSignatureFactory(name="Already Approved")
    response = mod_client.get("/moderation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Older Signer") < html.index("Newer Signer")
    assert "older@corp.example" in html  # moderators see emails; the public never does
    assert "Not Yet Confirmed" not in html and "Already Approved" not in html


@pytest.mark.django_db
def test_every_decision_needs_a_csrf_token(moderator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    signature = VerifiedSignatureFactory()
    for action in DECISIONS:
        assert client.post(f"/moderation/{signature.pk}/{action}/", {"title": "x"}).status_code == 403
    assert client.post("/moderation/bulk/", {"action": "approve", "ids": [signature.pk]}).status_code == 403
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED
    assert ModerationEvent.objects.count() == 0

    page = client.get(f"/moderation/{signature.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(f"/moderation/{signature.pk}/approve/", {"csrfmiddlewaretoken": token}).status_code == 302
    signature.refresh_from_db()
    assert signature.status == Signature.Status.APPROVED


@pytest.mark.django_db
def test_moderators_group_holds_the_permission():
    group = Group.objects.get(name="Moderators")
    assert group.permissions.filter(codename="moderate_signature").exists()


# --- Two-factor ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mfa_required_sends_moderator_to_set_up_totp_then_asks_for_it_at_login(moderator, settings):
    settings.MODERATORS_REQUIRE_MFA = True
    client = Client()
    response = client.post("/accounts/login/", {"login": moderator.email, "password": PASSWORD})
    assert response.status_code == 302

    response = client.get("/moderation/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")

    # allauth asks for the password again before two-factor can be turned on.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302

    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'value="([A-Z2-7]{16,})"', page).group(1)
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000" if totp(secret) != "000000" else "111111"})
    assert response.status_code == 200 and "Incorrect code" in response.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302
    assert client.get("/moderation/").status_code == 200

    # Next login: password alone is not enough.
    client.post("/accounts/logout/")
    client = Client()
    response = client.post("/accounts/login/", {"login": moderator.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get("/moderation/").status_code == 302  # not logged in yet
    response = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert response.status_code == 302
    assert client.get("/moderation/").status_code == 200


@pytest.mark.django_db
def test_mfa_off_lets_a_moderator_in_with_a_password(moderator, settings):
    settings.MODERATORS_REQUIRE_MFA = False
    client = Client()
    client.post("/accounts/login/", {"login": moderator.email, "password": PASSWORD})
    assert client.get("/moderation/").status_code == 200


@pytest.mark.django_db
def test_nobody_can_sign_up(client):
    response = client.post(
        "/accounts/signup/", {"email": "intruder@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert not User.objects.filter(email="intruder@example.org").exists()
    assert response.status_code in (200, 302, 403)


# --- add_moderator ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_moderator_emails_a_link_that_sets_the_password(client, settings):
    settings.SITE_URL = "http://testserver"
    out = io.StringIO()
    call_command("add_moderator", "New.Mod@Example.org", stdout=out)
    user = User.objects.get(email="New.Mod@Example.org")
    assert user.groups.filter(name="Moderators").exists()
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    # Running it again updates, and does not duplicate, the account.
    call_command("add_moderator", "new.mod@example.org", "--no-email", stdout=io.StringIO())
    assert User.objects.filter(email__iexact="new.mod@example.org").count() == 1


# --- Decisions and the audit log ----------------------------------------------------------------


@pytest.mark.django_db
def test_approve_publishes_notifies_and_is_audited(
    mod_client, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    signature = VerifiedSignatureFactory(name="To Approve")
    letter_page = signature.letter.get_absolute_url()
    assert "To Approve" not in mod_client.get(letter_page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = mod_client.post(f"/moderation/{signature.pk}/approve/")
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.status == Signature.Status.APPROVED and signature.approved_at
    assert signature.moderated_by == moderator
    assert "To Approve" in Client().get(letter_page).content.decode()

    event = ModerationEvent.objects.get(signature=signature)
    assert event.action == "approve" and event.actor == moderator and event.actor_email == moderator.email
    assert event.before["status"] == "verified" and event.after["status"] == "approved"

    assert len(mailoutbox) == 1
    assert "now public" in mailoutbox[0].subject
    assert "/your-signature/" in mailoutbox[0].body

    # A second click changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        mod_client.post(f"/moderation/{signature.pk}/approve/")
    assert ModerationEvent.objects.filter(signature=signature).count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_approval_notice_can_be_turned_off(mod_client, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_SIGNER_ON_APPROVAL = False
    signature = VerifiedSignatureFactory()
    with django_capture_on_commit_callbacks(execute=True):
        mod_client.post(f"/moderation/{signature.pk}/approve/")
    assert mailoutbox == []


@pytest.mark.django_db
def test_reject_feature_unfeature_edit_each_leave_an_audit_entry(mod_client, moderator):
    signature = VerifiedSignatureFactory(title="Chef Scientist", organization="Acme")
    mod_client.post(f"/moderation/{signature.pk}/approve/")
    mod_client.post(f"/moderation/{signature.pk}/feature/")
    signature.refresh_from_db()
    assert signature.featured
    mod_client.post(f"/moderation/{signature.pk}/unfeature/")
    mod_client.post(f"/moderation/{signature.pk}/edit/", {"title": "Chief Scientist", "organization": "Acme Inc."})
    mod_client.post(f"/moderation/{signature.pk}/reject/", {"reason": "Could not verify"})
    signature.refresh_from_db()
    assert signature.status == Signature.Status.REJECTED and not signature.featured
    assert (signature.title, signature.organization) == ("Chief Scientist", "Acme Inc.")

    events = list(ModerationEvent.objects.filter(signature=signature).order_by("created_at", "id"))
    assert [e.action for e in events] == ["approve", "feature", "unfeature", "edit", "reject"]
    assert all(e.actor == moderator for e in events)
    edit = events[3]
    assert edit.before == {"title": "Chef Scientist", "organization": "Acme"}
    assert edit.after == {"title": "Chief Scientist", "organization": "Acme Inc."}
    assert events[4].note == "Could not verify"

    page = mod_client.get(f"/moderation/{signature.pk}/").content.decode()
    assert "Could not verify" in page and "Chef Scientist" in page and moderator.email in page


@pytest.mark.django_db
def test_a_decision_on_a_vanished_signature_says_so(mod_client):
    for action in DECISIONS:
        response = mod_client.post(f"/moderation/987654/{action}/", {"title": "x"}, follow=True)
        assert response.status_code == 200, action
        assert "No such signature." in response.content.decode(), action


@pytest.mark.django_db
def test_only_approved_signatures_can_be_featured(mod_client):
    signature = VerifiedSignatureFactory()
    mod_client.post(f"/moderation/{signature.pk}/feature/")
    signature.refresh_from_db()
    assert not signature.featured
    assert not ModerationEvent.objects.exists()


@pytest.mark.django_db
def test_featured_come_first_in_public(client, mod_client, letter):
    ApprovedSignatureFactory(letter=letter, name="Plain Person")
    star = ApprovedSignatureFactory(letter=letter, name="Star Person")
    mod_client.post(f"/moderation/{star.pk}/feature/")
    html = client.get(letter.get_absolute_url()).content.decode()
    featured_section = html[html.index("Featured signatories") : html.index("Recently added")]
    assert "Star Person" in featured_section and "Plain Person" not in featured_section


@pytest.mark.django_db
def test_audit_csv_for_moderators(mod_client, moderator):
    signature = VerifiedSignatureFactory()
    mod_client.post(f"/moderation/{signature.pk}/reject/", {"reason": '=HYPERLINK("http://evil")'})
    response = mod_client.get("/moderation/audit.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["when", "moderator", "action"]
    assert rows[1][1:4] == [moderator.email, "reject", signature.public_id]
    assert rows[1][7].startswith("'=")  # formula neutralised
    # It names the signatory and says in words what changed.
    assert rows[0][-2:] == ["signatory", "changes"]
    assert rows[1][-2] == signature.name and "Rejected" in rows[1][-1]


@pytest.mark.django_db
def test_withdrawal_is_audited_and_erases_details_from_the_log(mod_client):
    signature = VerifiedSignatureFactory(title="Secret Title")
    mod_client.post(f"/moderation/{signature.pk}/edit/", {"title": "Other Secret", "organization": ""})
    mod_client.post(f"/moderation/{signature.pk}/approve/", {"note": "Secretly phoned her office"})
    signing.signature_withdraw(public_id=signature.public_id)
    events = list(ModerationEvent.objects.filter(signature=signature).order_by("id"))
    assert [e.action for e in events] == ["edit", "approve", "withdraw"]
    assert "Secret" not in str(events[0].before) + str(events[0].after)
    assert "Secret" not in events[1].note
    # The decisions themselves stay in the record.
    assert events[1].before["status"] == "verified" and events[1].after["status"] == "approved"
    assert events[2].after == {"status": "withdrawn"}


# --- Watchlist and hints ------------------------------------------------------------------------


@pytest.mark.django_db
def test_watchlisted_name_needs_an_explicit_approval_with_a_note(mod_client):
    watch("Famous Person")
    signature = VerifiedSignatureFactory(name="famous  PERSON")
    other = VerifiedSignatureFactory(name="Ordinary Person")

    response = mod_client.post("/moderation/bulk/", {"action": "approve", "ids": [signature.pk, other.pk]}, follow=True)
    assert "1 on the watchlist left for you to approve one by one, with a note." in response.content.decode()
    signature.refresh_from_db()
    other.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED
    assert other.status == Signature.Status.APPROVED

    response = mod_client.post(f"/moderation/{signature.pk}/approve/", follow=True)
    assert "on the watchlist" in response.content.decode()
    signature.refresh_from_db()
    assert signature.status == Signature.Status.VERIFIED

    mod_client.post(f"/moderation/{signature.pk}/approve/", {"note": "Confirmed by phone with their office"})
    signature.refresh_from_db()
    assert signature.status == Signature.Status.APPROVED
    assert signature.verification == Signature.Verification.MODERATOR
    assert ModerationEvent.objects.get(signature=signature).note == "Confirmed by phone with their office"


@pytest.mark.django_db
def test_bulk_approve_all_matching_a_search(mod_client):
    for i in range(5):
        VerifiedSignatureFactory(organization="Matching Org", name=f"Match {i}")
    VerifiedSignatureFactory(organization="Other Org")
    mod_client.post(
        "/moderation/bulk/", {"action": "approve", "scope": "matching", "status": "awaiting", "q": "matching"}
    )
    assert Signature.objects.filter(status="approved").count() == 5
    assert Signature.objects.filter(status="verified").count() == 1


@pytest.mark.parametrize(
    "email, organization, link, expected",
    [
        # A domain that looks like the organization's name is only a hint until a moderator
        # confirms it (see tests/signatures/test_trust.py).
        ("jane@acme.com", "Acme", "", "Domain resembles the organization (unconfirmed)"),
        ("j@examplehealth.org", "Example Health", "", "Domain resembles the organization (unconfirmed)"),
        ("olga@okafor-labs.example", "Okafor Labs", "", "Domain resembles the organization (unconfirmed)"),
        ("j@cs.uni.example.ac.uk", "", "https://www.example.ac.uk/people/j", "Email domain matches the link"),
        ("someone@gmail.com", "Acme", "", "Free email provider"),
        ("someone@mailinator.com", "Acme", "", "Disposable email domain"),
    ],
)
@pytest.mark.django_db
def test_each_domain_hint_shows_in_the_queue(mod_client, email, organization, link, expected):
    VerifiedSignatureFactory(email=email, organization=organization, link=link)
    assert expected in mod_client.get("/moderation/").content.decode()


@pytest.mark.django_db
def test_no_affiliation_hint_for_unrelated_domains(mod_client):
    VerifiedSignatureFactory(email="x@unrelated.example", organization="Acme")
    html = mod_client.get("/moderation/").content.decode()
    assert "resembles the organization" not in html and "Free email" not in html


@pytest.mark.django_db
def test_similar_name_and_watchlist_hints(mod_client, django_assert_max_num_queries):
    letter = ApprovedSignatureFactory(name="Jane Doe").letter
    VerifiedSignatureFactory(letter=letter, name="Doe, Jane")
    watch("Famous Person")
    VerifiedSignatureFactory(letter=letter, name="Dr. Famous Person")
    for i in range(30):
        VerifiedSignatureFactory(letter=letter, name=f"Filler {i}")
    with django_assert_max_num_queries(12):  # a page's hints come from a fixed number of queries
        html = mod_client.get("/moderation/").content.decode()
    assert "Same or similar name on 1 other signature" in html
    assert "On the watchlist" in html


def test_name_key_folds_case_accents_order_and_titles():
    assert name_key("Dr. José  García") == name_key("garcia, jose") == "garcia jose"
    assert name_key("Jane Doe") != name_key("Jane Dough")


@pytest.mark.django_db
def test_confirming_at_the_organization_domain_sets_the_level(client, moderator):
    resembles = PendingSignatureFactory(email="bo@acme.com", organization="ACME Corp")
    signing.signature_confirm(public_id=resembles.public_id)
    resembles.refresh_from_db()
    assert resembles.verification == Signature.Verification.EMAIL  # acme.com is not confirmed yet
    organization_domain_confirm(
        moderator=moderator, organization_name="Acme Corp", domain="acme.com", evidence="Staff page lists it"
    )
    assert OrganizationDomain.objects.get(domain="acme.com").organization.name == "Acme Corp"
    signature = PendingSignatureFactory(email="ana@acme.com", organization="ACME Corp")
    signing.signature_confirm(public_id=signature.public_id)
    signature.refresh_from_db()
    assert signature.verification == Signature.Verification.DOMAIN
    free = PendingSignatureFactory(email="ana@gmail.com", organization="Gmail fans")
    signing.signature_confirm(public_id=free.public_id)
    free.refresh_from_db()
    assert free.verification == Signature.Verification.EMAIL


@pytest.mark.django_db
def test_verification_level_is_public_and_explained(client, letter):
    ApprovedSignatureFactory(letter=letter, name="Domain Checked", verification="domain", featured=True)
    html = client.get(letter.get_absolute_url()).content.decode()
    assert "Email at the organization&#x27;s confirmed domain" in html
    page = client.get(reverse("letter:method"))
    assert page.status_code == 200 and "How signatures are verified" in page.content.decode()


# --- Bulk at scale ------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db
def test_bulk_approval_of_ten_thousand_on_postgres(postgres, moderator, letter, django_assert_max_num_queries):
    bulk_signatures(letter, 10_000, status="verified", prefix="Bulk")
    ids = list(Signature.objects.values_list("pk", flat=True))
    # Count, lock-and-read, one UPDATE, one INSERT of audit rows, one read and one INSERT of emails
    # (8), and the transparency log's append: its head row lock, a read of the rows, the leaves and
    # the tree's nodes written with COPY, and savepoints around them (up to 12 more). However
    # many signatures: a query per row would be 10,000 more.
    with django_assert_max_num_queries(20):
        result = decisions.signatures_bulk_decide(ids=ids, moderator=moderator, action="approve")
    assert result.changed == 10_000
    assert Signature.objects.filter(status="approved").count() == 10_000
    assert ModerationEvent.objects.filter(action="approve", bulk=True).count() == 10_000
    assert OutgoingEmail.objects.filter(kind="approved").count() == 10_000


@pytest.mark.django_db
def test_bulk_approval_of_ten_thousand_matching_through_the_page(mod_client, letter):
    """ "All matching" sends the filter, not 10,000 ids: a normal-sized POST decides them all."""
    bulk_signatures(letter, 10_000, status="verified", prefix="Many")
    form = {"action": "approve", "scope": "matching", "status": "awaiting", "q": ""}
    response = mod_client.post("/moderation/bulk/", form, follow=True)
    assert "Approved 10000 signatures." in response.content.decode()
    assert Signature.objects.filter(status="approved").count() == 10_000


@pytest.mark.django_db
def test_ticked_ids_are_one_page_not_thousands(mod_client, letter):
    """Django's default limit on POST fields holds again: thousands of ticked ids are refused
    by the server instead of being read, and a page's worth goes through."""
    bulk_signatures(letter, 60, status="verified", prefix="Page")
    ids = list(Signature.objects.values_list("pk", flat=True))
    response = mod_client.post("/moderation/bulk/", {"action": "approve", "ids": ids}, follow=True)
    assert "Approved 60 signatures." in response.content.decode()
    assert mod_client.post("/moderation/bulk/", {"action": "approve", "ids": list(range(1, 2001))}).status_code == 400


# --- Import -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_signatures_is_idempotent_and_reports(tmp_path, letter):
    path = tmp_path / "launch.csv"
    path.write_text(
        "name,email,title,organization,link\n"
        "Zoë Ångström,zoe@uni.example,Professor,University of Example,https://uni.example/zoe\n"
        "Bob Builder,bob@build.example,CTO,Build Inc,\n"
        ",nobody@example.org,,,\n"
        "Bad Email,not-an-email,,,\n"
        "Bob Again,BOB@build.example,,,\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_signatures", str(path), "--letter", letter.slug, stdout=out)
    report = out.getvalue()
    assert "Added 2, skipped 1 already present, rejected 2" in report
    assert "line 4: name: Please enter your name." in report
    assert "line 5: email: Please enter a valid email address" in report
    zoe = Signature.objects.get(email_normalized="zoe@uni.example")
    assert zoe.name == "Zoë Ångström"
    assert zoe.status == Signature.Status.APPROVED and zoe.verified_at and zoe.approved_at
    assert ModerationEvent.objects.filter(action="import").count() == 2

    out = io.StringIO()
    call_command("import_signatures", str(path), "--letter", letter.slug, stdout=out)
    assert "Added 0, skipped 3 already present, rejected 2" in out.getvalue()
    assert Signature.objects.count() == 2


@pytest.mark.django_db
def test_import_explains_a_bad_file(tmp_path, letter):
    from django.core.management import CommandError

    path = tmp_path / "bad.csv"
    path.write_text("who,where\nx,y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="header row"):
        call_command("import_signatures", str(path), "--letter", letter.slug)
    with pytest.raises(CommandError, match="No letter"):
        call_command("import_signatures", str(path), "--letter", "nope")
