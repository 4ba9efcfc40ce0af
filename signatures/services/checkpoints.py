"""Signed checkpoints of a letter's transparency log (C2SP tlog-checkpoint, Ed25519): the key,
its name, and publishing a checkpoint when the tree grew."""

import base64
import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from letter.models import Letter

from .. import notes
from ..exports import iso_utc
from ..models import Checkpoint
from ..selectors.log import log_root, log_size
from .log import locked_head

_DEV_KEY_LABEL = b"freefable transparency log development key\n"


def log_key_name() -> str:
    """The name checkpoints are signed under: TLOG_KEY_NAME, else the site's host."""
    return settings.TLOG_KEY_NAME or urlsplit(settings.SITE_URL).netloc or "localhost"


def log_signer() -> notes.Signer:
    """The checkpoint signer, from TLOG_SIGNING_KEY and TLOG_KEY_NAME.

    With DEBUG on and no key, a development key derived from SECRET_KEY (so `make run` and the
    tests sign without setup, and the same SECRET_KEY gives the same key). With DEBUG off and no
    key there is nothing to sign with: ImproperlyConfigured (the deploy check says so first)."""
    name = log_key_name()
    key = settings.TLOG_SIGNING_KEY
    if key:
        return notes.Signer.from_setting(key, name)
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "TLOG_SIGNING_KEY is not set, so the transparency log cannot sign checkpoints. "
            "Generate one with: python manage.py tlog_keygen"
        )
    return notes.Signer(name, hashlib.sha256(_DEV_KEY_LABEL + settings.SECRET_KEY.encode()).digest())


def log_origin(*, letter: Letter, signer: notes.Signer | None = None) -> str:
    """The checkpoint's first line: <key name>/letters/<slug>, one log per letter."""
    return f"{(signer or log_signer()).name}/letters/{letter.slug}"


def checkpoint_publish(*, letter: Letter) -> Checkpoint:
    """The latest checkpoint, after signing a new one if the log grew since. Kept for ever, one
    per size: a reader holding any of them can ask for a consistency proof from it."""
    signer = log_signer()
    latest = Checkpoint.objects.filter(letter=letter).first()
    if latest is not None and latest.tree_size >= log_size(letter=letter):
        return latest
    with transaction.atomic():
        head = locked_head(letter)  # appends wait; the root is of exactly head.size leaves
        latest = Checkpoint.objects.filter(letter=letter).first()
        if latest is not None and latest.tree_size >= head.size:
            return latest  # another request signed it while we waited
        root = log_root(letter=letter, size=head.size)
        body = notes.Checkpoint(log_origin(letter=letter, signer=signer), head.size, root)
        return Checkpoint.objects.create(
            letter=letter, tree_size=head.size, root_hash=root, note=signer.sign_note(body.text)
        )


def checkpoint_summary(checkpoint: Checkpoint) -> dict:
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
        "created_at": iso_utc(checkpoint.created_at),
        "note": checkpoint.note,
    }
