"""Production mode refuses secret keys that anyone can know, and is the default."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# What a deployment that copied .env.example without editing it had: the example key.
EXAMPLE_KEY = "change-me-to-a-long-random-string-of-50-or-more-characters"
HOSTS = {"ALLOWED_HOSTS": "letter.example.org", "SITE_URL": "https://letter.example.org"}


def check_deploy(env: dict, *options: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` with nothing from this test run's environment but `env`."""
    bare = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", *options],
        cwd=ROOT,
        env={**bare, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_example_key_is_refused():
    result = check_deploy({"DEBUG": "0", "SECRET_KEY": EXAMPLE_KEY, **HOSTS})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_no_environment_at_all_fails_for_lack_of_a_key():
    """DEBUG is off by default: a deployment that forgets it stops here, not in debug mode."""
    result = check_deploy({})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "dev-only-insecure-key-change-me-in-production-0123456789abcdef",  # the development default
        "django-insecure-" + secrets.token_urlsafe(50),  # Django's startproject key
        secrets.token_urlsafe(30),  # too short
        "ab" * 40,  # too few different characters
        "please-change-me-" + secrets.token_urlsafe(40),  # a placeholder
    ],
    ids=["dev-default", "django-insecure", "short", "repetitive", "placeholder"],
)
def test_known_and_weak_keys_are_refused(key):
    result = check_deploy({"DEBUG": "0", "SECRET_KEY": key, **HOSTS})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_env_example_shows_how_to_make_a_key_not_a_key():
    lines = (ROOT / ".env.example").read_text().splitlines()
    shown = next(line.split("=", 1)[1] for line in lines if line.startswith("SECRET_KEY="))
    assert shown == "", "an example key in .env.example would end up in deployments"
    assert "secrets.token_urlsafe" in "\n".join(lines)


def test_a_random_key_passes():
    # Django's security checks, warnings included (W009 is the weak-key one); other apps'
    # deploy checks want settings of their own, which the other tests of production mode give.
    result = check_deploy(
        {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), **HOSTS}, "--tag", "security", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SECRET_KEY" not in result.stdout + result.stderr
