"""Telling bots and bursts from people, without third parties and without keeping raw IPs."""

import hashlib
import hmac
import ipaddress
import logging
import time

from django.conf import settings
from django.core import signing

logger = logging.getLogger("signatures.abuse")

FORM_SALT = "freefable.signatures.form-served"


def network_hash(ip: str) -> str:
    """A keyed hash of the client's network (/24 for IPv4, /48 for IPv6): enough to see a burst
    from one place, not enough to find a person. The raw address is never stored."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    key = hashlib.sha256(("network-hash:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, str(network).encode(), hashlib.sha256).hexdigest()[:32]


def form_timestamp() -> str:
    """A signed "served at" value for the sign form (a hidden field)."""
    return signing.TimestampSigner(salt=FORM_SALT).sign(str(time.time()))


def form_age(value: str) -> float | None:
    """Seconds since the form was served, or None when the value is missing or forged."""
    if not value:
        return None
    try:
        served = float(signing.TimestampSigner(salt=FORM_SALT).unsign(value))
    except (signing.BadSignature, ValueError):
        return None
    return time.time() - served


def trap_reason(post) -> str | None:
    """Why a sign POST is a bot's (kept silently, never stored), or None.

    The honeypot is a field people never see. The timestamp catches posts made faster than a
    person can type, and replays of a form fetched long ago. A post without any timestamp
    (a script that knows only the documented fields) is let through and marked for moderators
    instead, by `missing_timestamp`.
    """
    if post.get("website", "").strip():
        return "honeypot filled"
    value = post.get("ts", "")
    if not value:
        return None
    age = form_age(value)
    if age is None:
        return "forged form timestamp"
    if age < settings.FORM_MIN_SECONDS:
        return f"posted {age:.1f}s after the form was served"
    if age > settings.FORM_MAX_SECONDS:
        return "form older than allowed"
    return None
