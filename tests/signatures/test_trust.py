"""Issue 10's reproductions: badges by substring, look-alike names past the watchlist, the launch
list shown as checked by a moderator, disposable domains outside "Suspicious". Each test failed on
the code before the fix; they run on PostgreSQL when DATABASE_URL names one (the `postgres` ones
only there)."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils.timezone import now as django_now

from moderation.services import decisions
from moderation.services.organizations import organization_domain_confirm
from signatures.models import LogLeaf, ModerationEvent, Organization, Signature, WatchlistEntry
from signatures.names import name_key
from signatures.services import log, signing
from signatures.services.name_keys import name_keys_recompute
from tests.factories import ApprovedSignatureFactory, PendingSignatureFactory, VerifiedSignatureFactory

Verification = Signature.Verification


@pytest.fixture
def mod_client(mod_client_factory):
    return mod_client_factory("trust-moderator@example.org")


@pytest.fixture
def moderator(mod_client):
    return get_user_model().objects.get(email="trust-moderator@example.org")


def public_levels(client, letter) -> list[str]:
    """The level shown beside each name on the public list."""
    html = client.get(reverse("signatures:list", args=[letter.slug])).content.decode()
    return re.findall(r'<span class="level">(.*?)</span>', html)


def csv_levels(client, letter) -> list[str]:
    response = client.get(reverse("signatures:csv", args=[letter.slug]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row["verification"] for row in csv.DictReader(io.StringIO(text))]


def sign(client, letter, **fields):
    data = {"name": "Jane Doe", "email": "jane@example.org", "title": "", "organization": "", "link": "", **fields}
    return client.post(reverse("signatures:sign", args=[letter.slug]), data)


def signed_and_confirmed(client, letter, **fields) -> Signature:
    assert sign(client, letter, **fields).status_code == 303
    signature = Signature.objects.get(email_normalized=fields["email"].lower())
    signing.signature_confirm(public_id=signature.public_id)
    signature.refresh_from_db()
    return signature


def confirm_domain(moderator, organization, domain, evidence="The organization's staff page lists it"):
    return organization_domain_confirm(
        moderator=moderator, organization_name=organization, domain=domain, evidence=evidence
    )


# --- 1. The domain badge is not given by substring ----------------------------------------------


LOOK_ALIKE_DOMAINS = [
    ("ceo@microsoft-careers.net", "Microsoft", "", "microsoft.com"),
    ("x@notgoogle.io", "Google", "", "google.com"),
    ("sam@google-careers.example", "Google", "", "google.com"),
    ("x@attacker.com.tr", "Turkish Airlines", "https://turkishairlines.com.tr/about", "turkishairlines.com.tr"),
]


@pytest.mark.parametrize(("email", "organization", "link", "real_domain"), LOOK_ALIKE_DOMAINS)
@pytest.mark.django_db
def test_a_domain_resembling_the_organization_earns_no_domain_level(
    client, letter, moderator, email, organization, link, real_domain
):
    before = signed_and_confirmed(client, letter, email=email, organization=organization, link=link)
    assert before.verification == Verification.EMAIL
    # Even once the organization's real domain is confirmed, the look-alike stays at "email".
    confirm_domain(moderator, organization, real_domain)
    after = signed_and_confirmed(client, letter, email=f"second.{email}", organization=organization, link=link)
    assert after.verification == Verification.EMAIL
    before.refresh_from_db()
    assert before.verification == Verification.EMAIL


@pytest.mark.django_db
def test_the_queue_says_resembles_unconfirmed_and_the_public_level_stays_email_confirmed(
    client, letter, mod_client, moderator
):
    signature = signed_and_confirmed(client, letter, email="ceo@microsoft-careers.net", organization="Microsoft")
    html = mod_client.get("/moderation/").content.decode()
    assert "Domain resembles the organization (unconfirmed)" in html
    assert "matches the organization" not in html
    decisions.signature_approve(signature_id=signature.pk, moderator=moderator)
    assert public_levels(client, letter) == ["Email confirmed"]
    assert csv_levels(client, letter) == ["email"]


@pytest.mark.django_db
def test_a_confirmed_domain_covers_its_subdomains_and_the_organizations_aliases(client, letter, moderator):
    confirm_domain(moderator, "University of Example", "example.ac.uk")
    Organization.objects.filter(name="University of Example").update(aliases="Example University\nUoE")
    at_subdomain = signed_and_confirmed(client, letter, email="a@cs.example.ac.uk", organization="UoE")
    at_domain = signed_and_confirmed(client, letter, email="b@example.ac.uk", organization="university of EXAMPLE")
    other_org = signed_and_confirmed(client, letter, email="c@example.ac.uk", organization="Example Bank")
    look_alike = signed_and_confirmed(client, letter, email="d@notexample.ac.uk", organization="UoE")
    assert at_subdomain.verification == at_domain.verification == Verification.DOMAIN
    assert other_org.verification == look_alike.verification == Verification.EMAIL


@pytest.mark.django_db
def test_confirming_a_domain_raises_the_signatures_it_covers_once_with_an_audit_row(client, letter, mod_client):
    approved = ApprovedSignatureFactory(letter=letter, email="ana@microsoft.com", organization="Microsoft")
    waiting = VerifiedSignatureFactory(letter=letter, email="bo@mail.microsoft.com", organization="microsoft")
    look_alike = ApprovedSignatureFactory(letter=letter, email="ceo@microsoft-careers.net", organization="Microsoft")
    other_org = ApprovedSignatureFactory(letter=letter, email="cy@microsoft.com", organization="GitHub")
    checked = ApprovedSignatureFactory(
        letter=letter, email="di@microsoft.com", organization="Microsoft", verification=Verification.MODERATOR
    )
    form = {"organization": "Microsoft", "domain": "https://www.microsoft.com/about", "evidence": "Press page"}
    response = mod_client.post(reverse("moderation:confirm_domain", args=[waiting.pk]), form, follow=True)
    assert "Confirmed microsoft.com for Microsoft: 2 signature(s) now at the domain level, 1 of them public." in (
        response.content.decode()
    )
    levels = dict(Signature.objects.values_list("pk", "verification"))
    assert levels[approved.pk] == levels[waiting.pk] == Verification.DOMAIN
    assert levels[look_alike.pk] == levels[other_org.pk] == Verification.EMAIL
    assert levels[checked.pk] == Verification.MODERATOR
    events = ModerationEvent.objects.filter(action=ModerationEvent.Action.DOMAIN)
    assert sorted(events.values_list("signature_id", flat=True)) == sorted([approved.pk, waiting.pk])
    assert all("Press page" in note for note in events.values_list("note", flat=True))
    # The changed public row is in the transparency log, and the public list shows it at once.
    latest = LogLeaf.objects.filter(public_id=approved.public_id).order_by("-index").first()
    assert latest.data == log.leaf_text(log.public_rows(signature_ids=[approved.pk])[0]) and ",domain," in latest.data
    assert not LogLeaf.objects.filter(public_id=waiting.public_id).exists()  # not public: not logged
    assert sorted(csv_levels(client, letter)) == ["domain", "email", "email", "moderator"]
    assert "Email at the organization&#x27;s confirmed domain" in public_levels(client, letter)
    # Again: nothing changes.
    again = mod_client.post(reverse("moderation:confirm_domain", args=[waiting.pk]), form, follow=True)
    assert "was already confirmed; nothing changed" in again.content.decode()
    assert events.count() == 2


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("com.tr", "public suffix"),
        ("gmail.com", "Anyone can get an address"),
        ("mailinator.com", "Anyone can get an address"),
        ("not a domain", "Enter a domain"),
    ],
)
@pytest.mark.django_db
def test_domains_that_cannot_prove_an_affiliation_are_refused(moderator, domain, message):
    with pytest.raises(ValidationError, match=message):
        confirm_domain(moderator, "Acme", domain)


@pytest.mark.django_db
def test_a_domain_has_one_owner_and_evidence_is_required(moderator):
    confirm_domain(moderator, "Acme", "acme.example")
    with pytest.raises(ValidationError, match="already confirmed for Acme"):
        confirm_domain(moderator, "Evil Corp", "acme.example")
    with pytest.raises(ValidationError, match="Say how you checked"):
        confirm_domain(moderator, "Acme", "acme.org", evidence="  ")


@pytest.mark.django_db
def test_editing_the_organization_moves_the_domain_level_with_it(client, letter, moderator):
    confirm_domain(moderator, "Acme", "acme.example")
    signature = signed_and_confirmed(client, letter, email="a@acme.example", organization="Acme")
    assert signature.verification == Verification.DOMAIN
    decisions.signature_edit(signature_id=signature.pk, moderator=moderator, title="", organization="Evil Corp")
    signature.refresh_from_db()
    assert signature.verification == Verification.EMAIL
    decisions.signature_edit(signature_id=signature.pk, moderator=moderator, title="", organization="ACME")
    signature.refresh_from_db()
    assert signature.verification == Verification.DOMAIN


@pytest.mark.services
@pytest.mark.django_db
def test_raising_by_domain_on_postgres(postgres, letter, moderator):
    for i in range(50):
        VerifiedSignatureFactory(letter=letter, email=f"s{i}@dept{i % 3}.example.edu", organization="Example U")
        VerifiedSignatureFactory(letter=letter, email=f"t{i}@example.edu.evil.tk", organization="Example U")
        VerifiedSignatureFactory(letter=letter, email=f"u{i}@EXAMPLE.EDU", organization="example u")
    result = confirm_domain(moderator, "Example U", "example.edu")
    assert result.raised == 100
    assert Signature.objects.filter(verification=Verification.DOMAIN).count() == 100
    assert not Signature.objects.filter(email_normalized__endswith="evil.tk", verification=Verification.DOMAIN)


# --- 2. Names as people read them -------------------------------------------------------------

LOOK_ALIKE_NAMES = [
    "Famous Per\u200bson",  # zero-width space: displays exactly as "Famous Person"
    "Famous Pers\u00adon",  # soft hyphen: displays exactly as "Famous Person"
    "F\u0430mous Person",  # Cyrillic а
]


@pytest.mark.django_db
def test_invisible_characters_are_stripped_on_input(client, letter):
    assert sign(client, letter, name="Famous Per\u200bson", email="a@example.org", title="Pro\u00adfessor").status_code
    signature = Signature.objects.get()
    assert signature.name == "Famous Person" and signature.title == "Professor"


@pytest.mark.django_db
def test_look_alike_names_get_the_watchlist_hint_and_are_not_approved_in_bulk(client, letter, mod_client):
    WatchlistEntry.objects.create(name="Famous Person", name_key=name_key("Famous Person"))
    for i, name in enumerate(LOOK_ALIKE_NAMES):
        signed_and_confirmed(client, letter, name=name, email=f"fan{i}@example.org")
    signed_and_confirmed(client, letter, name="Ordinary Person", email="ordinary@example.org")
    html = mod_client.get("/moderation/").content.decode()
    assert html.count("On the watchlist") == 3
    response = mod_client.post("/moderation/bulk/", {"action": "approve", "scope": "matching", "status": "awaiting"})
    assert response.status_code == 302
    approved = set(Signature.objects.filter(status="approved").values_list("name", flat=True))
    assert approved == {"Ordinary Person"}
    assert Signature.objects.filter(status="verified").count() == 3


@pytest.mark.services
@pytest.mark.django_db
def test_look_alike_names_are_held_back_from_bulk_approval_on_postgres(postgres, client, letter, moderator):
    WatchlistEntry.objects.create(name="Famous Person", name_key=name_key("Famous Person"))
    for i, name in enumerate(LOOK_ALIKE_NAMES):
        signed_and_confirmed(client, letter, name=name, email=f"fan{i}@example.org")
    result = decisions.signatures_bulk_decide(
        moderator=moderator, action="approve", matching=Signature.objects.filter(status="verified")
    )
    assert (result.changed, result.watchlisted) == (0, 3)


@pytest.mark.parametrize("name", ["paypal-help.tk", "Jane Doe paypal-help.tk", "Support x.turkishairlines.com.tr"])
@pytest.mark.django_db
def test_a_name_with_a_domain_is_refused(client, letter, name):
    response = sign(client, letter, name=name)
    assert response.status_code == 400
    assert "without web addresses" in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.parametrize("name", ["J.R.R. Tolkien", "Dr. Jane Doe Jr.", "Mary-Ann O'Neil", "A.J. Smith", "St. John"])
@pytest.mark.django_db
def test_names_with_dots_are_accepted(client, letter, name):
    assert sign(client, letter, name=name).status_code == 303


@pytest.mark.django_db
def test_name_keys_are_recomputed_and_watchlist_entries_that_now_agree_are_merged(letter):
    old = ApprovedSignatureFactory(letter=letter, name="F\u0430mous Person", name_key="fаmous person")
    WatchlistEntry.objects.create(name="Famous Person", name_key="famous person", note="Check with their office")
    WatchlistEntry.objects.create(name="F\u0430mous Person", name_key="fаmous person", note="Same person")
    assert name_keys_recompute() == (1, 1, 1)
    old.refresh_from_db()
    entry = WatchlistEntry.objects.get()
    assert old.name_key == entry.name_key == name_key("Famous Person")
    assert entry.note == "Check with their office; Same person"
    assert name_keys_recompute() == (0, 0, 0)


# --- 3. load_watchlist --------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_watchlist_is_idempotent(tmp_path):
    names = tmp_path / "notable.txt"
    names.write_text(
        "# Notable people, prepared before launch\n\nFamous Person\nOther Notable\nF\u0430mous Person\n  Third Person  \n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("load_watchlist", str(names), stdout=out)
    assert "Added 3, skipped 1" in out.getvalue()
    assert sorted(WatchlistEntry.objects.values_list("name", flat=True)) == [
        "Famous Person",
        "Other Notable",
        "Third Person",
    ]
    out = io.StringIO()
    call_command("load_watchlist", str(names), stdout=out)
    assert "Added 0, skipped 4" in out.getvalue()
    assert WatchlistEntry.objects.count() == 3


# --- 4. Honest levels ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_imported_signatures_are_on_the_launch_list_not_checked_by_a_moderator(client, letter, tmp_path):
    source = tmp_path / "launch.csv"
    source.write_text("name,email,title,organization,link\nAda Launch,ada@example.org,Chair,Example Org,\n")
    call_command("import_signatures", str(source), letter=letter.slug, stdout=io.StringIO())
    signature = Signature.objects.get()
    assert signature.verification == Verification.LAUNCH_LIST
    assert public_levels(client, letter) == ["On the organizers&#x27; launch list"]
    assert csv_levels(client, letter) == ["launch"]


@pytest.mark.django_db
def test_the_verification_page_says_what_each_level_checked_and_skipped(client):
    html = client.get(reverse("letter:method")).content.decode()
    for level in Verification:
        if level != Verification.NONE:
            label = str(level.label)  # a lazy translation since the labels are marked
            assert label.replace("'", "&#x27;") in html or label in html
            assert f"<code>{level.value}</code>" in html
    assert "was <em>not</em> confirmed by this" in html
    assert "Every name on this site passes two checks" not in html


# --- 5. Disposable domains are suspicious -------------------------------------------------------


@pytest.mark.parametrize("email", ["jo@mailinator.com", "jo@0-mail.com"])
@pytest.mark.django_db
def test_disposable_domains_go_to_the_suspicious_filter(letter, mod_client, email):
    # Signed as a browser does (the form was loaded), so no other reason marks them.
    for name, address in [("Jo Throwaway", email), ("Jane Regular", "jane@example.org")]:
        signature, _ = signing.signature_create(letter=letter, name=name, email=address, loaded_form=True)
        signing.signature_confirm(public_id=signature.public_id)
    html = mod_client.get("/moderation/?status=suspicious").content.decode()
    assert "Jo Throwaway" in html and "Jane Regular" not in html
    assert "Disposable email domain" in html


@pytest.mark.django_db
def test_a_disposable_signature_from_before_the_fix_is_marked_by_the_migration_too():
    # The migration's function on today's rows: a waiting signature without the reason gets it.
    from importlib import import_module

    from django.apps import apps

    migration = import_module("signatures.migrations.0011_organizations_launch_list_name_keys")
    signature = PendingSignatureFactory(email="jo@mailinator.com", suspicious_reasons=[])
    migration.disposable_to_suspicious(apps, None)
    signature.refresh_from_db()
    assert signature.suspicious_reasons == ["Disposable email domain"]


# --- 6. The data migration ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_existing_levels_honest_and_recomputes_name_keys():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = ("signatures", "0010_transparency_log"), ("signatures", "0011_organizations_launch_list_name_keys")
    executor = MigrationExecutor(connection)
    # The letters' tables as they were then too (letter 0002 replaced `published` by a state).
    executor.migrate([before, ("letter", "0001_initial")])
    old = executor.loader.project_state([before, ("letter", "0001_initial")]).apps
    try:
        letter = old.get_model("letter", "Letter").objects.create(slug="old", title="Old", body="Text")
        version = old.get_model("letter", "LetterVersion").objects.create(
            letter=letter, number=1, title="Old", body="Text", body_html="<p>Text</p>"
        )
        OldSignature = old.get_model("signatures", "Signature")
        now = django_now()

        def make(name, email, verification, status="approved"):
            return OldSignature.objects.create(
                letter=letter,
                version=version,
                name=name,
                name_key=name.lower(),  # the old key: no skeleton
                email=email,
                email_normalized=email,
                status=status,
                verification=verification,
                verified_at=now,
                approved_at=now if status == "approved" else None,
            )

        imported = make("Ada Launch", "ada@example.org", "moderator")
        old.get_model("signatures", "ModerationEvent").objects.create(signature=imported, action="import")
        checked = make("Bea Checked", "bea@example.org", "moderator")
        substring = make("Ceo", "ceo@microsoft-careers.net", "domain")
        look_alike = make("F\u0430mous Person", "fan@example.org", "email", status="verified")
        throwaway = make("Jo", "jo@mailinator.com", "email", status="verified")
        old.get_model("signatures", "WatchlistEntry").objects.create(name="Famous Person", name_key="famous person")

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        levels = dict(Signature.objects.values_list("pk", "verification"))
        assert levels[imported.pk] == Verification.LAUNCH_LIST
        assert levels[checked.pk] == Verification.MODERATOR
        assert levels[substring.pk] == Verification.EMAIL
        # Only the columns this migration knows (later ones add others to Signature).
        fields = Signature.objects.values_list
        assert fields("name_key", flat=True).get(pk=look_alike.pk) == WatchlistEntry.objects.get().name_key
        assert fields("suspicious_reasons", flat=True).get(pk=throwaway.pk) == ["Disposable email domain"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
