"""Which client a request comes from, for rate limits and burst detection."""

import ipaddress

from django.conf import settings

# The address used when a request carries none we can read (a Unix socket without a proxy
# in front): such requests share one rate-limit bucket, the safe direction for a limit.
NO_ADDRESS = "0.0.0.0"  # noqa: S104 (an address to count by, not one to bind to)


def _valid_ip(value: str) -> str | None:
    """The address in `value` in its canonical form, or None when it is not an IP address."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's IP address, always a valid one (the rate limiter parses it).

    REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many proxies we sit behind; then the
    address that the outermost trusted proxy saw, counted from the right of X-Forwarded-For
    (entries further left are written by the client and can be forged). A header that is too
    short or whose entry is not an IP address is treated as absent: it was not written by our
    proxy, so it says nothing we can trust.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= count:
            address = _valid_ip(forwarded[-count])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR", "")) or NO_ADDRESS
