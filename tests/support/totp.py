"""The code an authenticator app shows, computed in the test as RFC 6238 says (no library of the
site's own), so two-factor logins are tested with real codes."""

import base64
import hashlib
import hmac
import struct
import time


def totp(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code for a base32 secret (SHA-1, 6 digits, 30 s steps) at a moment (now)."""
    if at is None and time.time() % 30 > 29:
        # The code of a step about to end could reach the server in the next step, where it is
        # wrong (the site allows no drift): wait for the next step instead.
        time.sleep(30.05 - time.time() % 30)
    counter = int((at or time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"
