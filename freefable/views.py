"""Site-wide views: the 429 page, the health check, the favicon and the language switcher."""

import functools
import logging
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from .http import see_other

logger = logging.getLogger(__name__)


def ratelimited(request, exception=None):
    logger.info("rate limited: %s %s", request.method, request.path)
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis():
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()


def _check_broker():
    from freefable.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=2)


@functools.cache
def _favicon() -> bytes:
    return Path(finders.find("img/favicon.ico")).read_bytes()


def favicon(request):
    """/favicon.ico, where browsers and feed readers look without reading the page."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@never_cache
def healthz(request):
    """Each dependency's state; 200 when all that are configured answer, 503 otherwise."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    states = {}
    for name, check in checks.items():
        try:
            check()
            states[name] = "ok"
        except Exception as exc:  # any failure means "down", whatever the driver raises
            logger.warning("healthz: %s is down: %s", name, exc)
            states[name] = "down"
    if not settings.REDIS_URL:
        states["redis"] = "not configured"
    if not settings.CELERY_BROKER_URL:
        states["broker"] = "not configured (tasks run in-process)"
    healthy = all(s != "down" for s in states.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": states}, status=200 if healthy else 503)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


def language(request):
    """/language/?language=es&next=/path: remember the reader's choice in a cookie (Django's
    LocaleMiddleware reads it before Accept-Language) and go back to the page. A GET, so the
    switcher is a plain link on pages a shared cache serves (they carry no CSRF token)."""
    form = LanguageForm(request.GET)
    valid = form.is_valid()
    chosen = form.cleaned_data["language"] if valid else None
    back = (form.cleaned_data["next"] if valid else "") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = see_other(back)
    response["Cache-Control"] = "private, no-store"
    if chosen:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=request.is_secure(),
        )
    return response
