"""Which client a request comes from, for rate limits and burst detection."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's IP address.

    REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many proxies we sit behind; then the
    address that the outermost trusted proxy saw, counted from the right of X-Forwarded-For
    (entries further left are written by the client and can be forged).
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
