import pytest
from django.core.management import CommandError, call_command

from letter.markdown import render
from letter.models import Letter
from signatures.services.signing import signature_create


@pytest.fixture
def letter_file(tmp_path):
    path = tmp_path / "letter.md"
    path.write_text("# Open the Tools\n\nWe ask for *access*.\n\n- one\n- two\n", encoding="utf-8")
    return path


@pytest.mark.django_db
def test_load_letter_creates_a_published_primary_letter(client, letter_file):
    call_command("load_letter", str(letter_file), "--slug", "tools", "--primary")
    letter = Letter.objects.get(slug="tools")
    assert letter.title == "Open the Tools"
    assert letter.published and letter.is_primary
    assert letter.current_version.number == 1
    html = client.get("/").content.decode()
    assert "Open the Tools" in html and "<em>access</em>" in html and "<li>two</li>" in html


@pytest.mark.django_db
def test_changed_text_makes_a_new_version_and_signatures_keep_theirs(letter_file):
    call_command("load_letter", str(letter_file), "--slug", "tools")
    letter = Letter.objects.get(slug="tools")
    signature, _ = signature_create(letter=letter, name="Early Signer", email="early@example.org")
    first_version = letter.current_version

    call_command("load_letter", str(letter_file), "--slug", "tools")  # same text: no new version
    letter.refresh_from_db()
    assert letter.current_version == first_version

    letter_file.write_text("# Open the Tools\n\nWe ask for *access*, now.\n", encoding="utf-8")
    call_command("load_letter", str(letter_file), "--slug", "tools")
    letter.refresh_from_db()
    assert letter.current_version.number == 2
    assert letter.versions.count() == 2
    signature.refresh_from_db()
    assert signature.version == first_version

    later, _ = signature_create(letter=letter, name="Later Signer", email="later@example.org")
    assert later.version.number == 2


@pytest.mark.django_db
def test_only_one_primary_letter(letter_file, tmp_path):
    call_command("load_letter", str(letter_file), "--slug", "first", "--primary")
    call_command("load_letter", str(letter_file), "--slug", "second", "--primary")
    assert list(Letter.objects.filter(is_primary=True).values_list("slug", flat=True)) == ["second"]


@pytest.mark.django_db
def test_load_letter_explains_a_missing_title(tmp_path):
    path = tmp_path / "untitled.md"
    path.write_text("No heading here.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="needs a title"):
        call_command("load_letter", str(path), "--slug", "x")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_letter", str(tmp_path / "missing.md"), "--slug", "x")


def test_markdown_is_sanitised():
    html = render(
        "Hello <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"
        " [ok](https://example.org)\n\n<iframe src='https://evil.example'></iframe>"
    )
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "<iframe" not in html and "<img" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html


@pytest.mark.django_db
def test_no_letter_yet_gives_404_not_500(client):
    assert client.get("/").status_code == 404


@pytest.mark.django_db
def test_admin_edit_makes_a_new_version(admin_client, letter):
    response = admin_client.post(
        f"/admin/letter/letter/{letter.pk}/change/",
        {
            "title": letter.title,
            "slug": letter.slug,
            "addressees": "",
            "summary": "",
            "body": "Entirely new words.",
            "published": "on",
            "press_contact": "",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    letter.refresh_from_db()
    assert letter.current_version.number == 2
    assert letter.current_version.body == "Entirely new words."
