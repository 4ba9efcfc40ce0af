"""Site-wide promises: no signer email in public, security headers, production settings."""

import os
import re
import subprocess
import sys

import pytest

from tests.factories import ApprovedSignatureFactory, PendingSignatureFactory, VerifiedSignatureFactory
from tests.support.paths import ROOT

PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-for-tests",
    "ALLOWED_HOSTS": "letter.example.org",
    "SITE_URL": "https://letter.example.org",
    # the transparency log's checkpoint key (base64 of 32 bytes), which check --deploy requires
    "TLOG_SIGNING_KEY": "dGVzdHMgb2YgcHJvZHVjdGlvbiBzZXR0aW5ncyBrZXk=",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.django_db
def test_no_signer_email_on_public_pages(client, letter):
    signers = [
        ApprovedSignatureFactory(letter=letter, email="approved.person@secret-domain.example", featured=True),
        ApprovedSignatureFactory(letter=letter, email="second.person@secret-domain.example"),
        VerifiedSignatureFactory(letter=letter, email="verified.person@secret-domain.example"),
        PendingSignatureFactory(letter=letter, email="pending.person@secret-domain.example"),
    ]
    pages = ["/", letter.get_absolute_url(), f"/letters/{letter.slug}/check-your-email/"]
    letter.is_primary = True
    letter.save()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for s in signers:
            assert s.email not in html, url
        assert "secret-domain" not in html, url
    assert signers[0].name in client.get(letter.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_pending_and_verified_names_are_not_public(client, letter):
    PendingSignatureFactory(letter=letter, name="Pending Paula")
    VerifiedSignatureFactory(letter=letter, name="Verified Victor")
    html = client.get(letter.get_absolute_url()).content.decode()
    assert "Pending Paula" not in html and "Verified Victor" not in html
    assert "0</strong> verified signatures" in html


@pytest.mark.django_db
def test_names_are_escaped(client, letter):
    ApprovedSignatureFactory(letter=letter, name='<script>alert("x")</script>', featured=True)
    html = client.get(letter.get_absolute_url()).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_security_headers(client, letter):
    response = client.get(letter.get_absolute_url())
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_csp_and_frame_headers_on_every_page(client, letter, admin_user):
    ApprovedSignatureFactory(letter=letter)
    letter.is_primary = True
    letter.save()
    public = [
        "/",
        letter.get_absolute_url(),
        f"/letters/{letter.slug}/signatures/",
        f"/letters/{letter.slug}/press/",
        f"/letters/{letter.slug}/check-your-email/",
        "/verification/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/admin/login/",
        "/confirm/bad.token/",
        "/nowhere/",
        f"/letters/{letter.slug}/signatures.json",
        f"/letters/{letter.slug}/count.json",
    ]
    client.force_login(admin_user)
    for url in public + ["/moderation/", "/admin/"]:
        response = client.get(url)
        assert response.status_code in (200, 302, 404), url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert response["X-Frame-Options"] == "DENY", url


def test_no_inline_script_or_style_in_templates():
    for path in (ROOT / "templates").rglob("*.html"):
        if "email" in path.parts:  # mail clients need inline style; CSP does not apply to email
            continue
        text = path.read_text()
        assert "<script>" not in text and "<style" not in text and " style=" not in text, path
        # An event-handler attribute (onclick=, onload=...), not a data-*-onload= attribute.
        assert not re.search(r"[\s\"']on[a-z]+=", text), path


def test_production_settings_refuse_to_start_without_secret():
    result = manage("check", env={**PROD_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr
    result = manage("check", env={**PROD_ENV, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "set ALLOWED_HOSTS" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PROD_ENV, "REDIS_URL": "redis://127.0.0.1:6379/1"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_a_dependency_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "down"


@pytest.mark.django_db
def test_the_site_has_an_icon_where_browsers_look(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
