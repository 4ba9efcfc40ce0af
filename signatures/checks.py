"""System checks for settings that only this app reads."""

from django.conf import settings
from django.core.checks import Error, register

from . import notes


@register()
def log_signing_key(app_configs, **kwargs):
    """A key that is set must be usable: a typo would otherwise surface as a 503 on the first
    checkpoint after deployment."""
    if not settings.TLOG_SIGNING_KEY:
        return []
    try:
        notes.Signer.from_setting(settings.TLOG_SIGNING_KEY, settings.TLOG_KEY_NAME or "check")
    except notes.NoteError as exc:
        return [Error(f"TLOG_SIGNING_KEY is not a usable Ed25519 key: {exc}", id="signatures.E001")]
    return []


@register(deploy=True)
def log_signing_key_set(app_configs, **kwargs):
    if settings.DEBUG or settings.TLOG_SIGNING_KEY:
        return []
    return [
        Error(
            "TLOG_SIGNING_KEY is not set: the transparency log cannot sign checkpoints, so "
            "/letters/<slug>/log/checkpoint answers 503 and no list can be verified.",
            hint="Generate a key with `python manage.py tlog_keygen` and put its lines in the environment.",
            id="signatures.E002",
        )
    ]
