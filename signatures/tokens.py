"""Links that let a signer confirm or withdraw without an account.

A token is the signature's public id signed with SECRET_KEY (HMAC-SHA256) and a salt per
purpose, so it cannot be guessed or forged and nothing secret is stored in the database. A
confirm token also carries its creation time and expires after CONFIRM_TOKEN_MAX_AGE; a
withdraw token lasts as long as the signature. "Acts once" is the status check in the service:
confirming needs a pending signature, withdrawing a live one.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "freefable.signatures.confirm"
WITHDRAW_SALT = "freefable.signatures.withdraw"
# "." never appears in a public id (URL-safe base64) or a signature, and needs no escaping in a URL.
SEP = "."


@dataclass(frozen=True)
class TokenData:
    public_id: str
    expired: bool = False
    # Which details the link was sent for (see details_digest); "" in links made before.
    digest: str = ""


def details_digest(signature) -> str:
    """A short fingerprint of what a confirmation publishes: name, title, organization, link.
    A confirm link carries the fingerprint of the details its email showed, so it confirms
    those details and no others, whoever changed them since."""
    fields = (signature.name, signature.title, signature.organization, signature.link)
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:16]


def make_confirm_token(public_id: str, digest: str = "") -> str:
    value = f"{public_id}:{digest}" if digest else public_id
    return signing.TimestampSigner(salt=CONFIRM_SALT, sep=SEP).sign(value)


def make_withdraw_token(public_id: str) -> str:
    return signing.Signer(salt=WITHDRAW_SALT, sep=SEP).sign(public_id)


def read_confirm_token(token: str) -> TokenData | None:
    """The public id in a genuine confirm token, and whether it has expired; None if forged."""
    signer = signing.TimestampSigner(salt=CONFIRM_SALT, sep=SEP)
    try:
        public_id, _, digest = signer.unsign(token).partition(":")
    except signing.BadSignature:
        return None
    try:
        signer.unsign(token, max_age=settings.CONFIRM_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        return TokenData(public_id, expired=True, digest=digest)
    return TokenData(public_id, digest=digest)


def read_withdraw_token(token: str) -> TokenData | None:
    try:
        return TokenData(signing.Signer(salt=WITHDRAW_SALT, sep=SEP).unsign(token))
    except signing.BadSignature:
        return None


UNSUBSCRIBE_SALT = "freefable.signatures.unsubscribe"


def make_unsubscribe_token(public_id: str) -> str:
    """The one-click unsubscribe link of update emails (RFC 8058): it lasts as long as the
    signature, and only stops updates (a withdraw token would do more than its link says)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT, sep=SEP).sign(public_id)


def read_unsubscribe_token(token: str) -> TokenData | None:
    try:
        return TokenData(signing.Signer(salt=UNSUBSCRIBE_SALT, sep=SEP).unsign(token))
    except signing.BadSignature:
        return None
