"""Small HTTP helpers that every app uses."""

from django.conf import settings
from django.http import HttpResponseRedirect


def see_other(url: str) -> HttpResponseRedirect:
    """POST, then redirect with 303 so the browser GETs the next page."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def limit(name: str):
    """The configured rate for one of settings.RATELIMITS, read per request so tests can change it."""
    return lambda group, request: settings.RATELIMITS[name]
