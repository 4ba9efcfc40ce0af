"""The ceiling for the public pages: a bare Django WSGI application (no middleware, no
database, no cache) whose views return the bytes the site served for the same URLs, recorded
at the start of the run. gunicorn serves it exactly as it serves the site (bench/servers.py)."""

import os
from pathlib import Path

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

BODIES = Path(os.environ.get("BENCH_BARE_DIR", "."))

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-view-only-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106 (signs nothing)
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()


def _view(name: str, content_type: str):
    body = (BODIES / name).read_bytes()

    def view(request, **kwargs):
        return HttpResponse(body, content_type=content_type)

    return view


urlpatterns = [
    path("", _view("letter.html", "text/html; charset=utf-8")),
    path("letters/<slug:slug>/count.json", _view("count.json", "application/json")),
]
application = get_wsgi_application()
